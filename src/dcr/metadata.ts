/**
 * RFC 7591 / RFC 7592 / OpenID Connect Registration client metadata as a table. One
 * validator (`validate.ts`) walks it; nothing else in the gateway lists field names.
 */
/**
 * `redirect_uri_list` holds URIs the server sends responses to, which carry no fragment
 * (RFC 6749 §3.1.2); `uri_list` holds other URIs, such as `request_uris`, whose fragment OIDC
 * Registration §2 uses for the hash of the request object.
 */
export type FieldKind =
  | 'string'
  | 'web_uri'
  | 'https_uri'
  | 'uri_list'
  | 'redirect_uri_list'
  | 'string_list'
  | 'email_list'
  | 'boolean'
  | 'non_negative_integer'
  | 'jwks'
  | 'jws_alg'
  | 'jwe_alg'
  | 'jwe_enc';

export interface FieldSpec {
  readonly kind: FieldKind;
  /** Accepts `name#bcp47-tag` variants (RFC 7591 §2.2). */
  readonly localizable?: boolean;
  /** Closed set of values; anything else is refused. */
  readonly values?: readonly string[];
  /** `""` is read as the member left out (real clients send it for "no particular value"). */
  readonly emptyIsAbsent?: boolean;
  /**
   * A URL the IdP may fetch itself (keys, sector identifiers, request objects, logout calls,
   * logos it proxies or checks), so it goes through the route's outbound-URL policy.
   */
  readonly fetched?: boolean;
}

/** A decoded metadata document: standard names (and `name#tag` variants) to JSON values. */
export type Metadata = Record<string, MetadataValue>;
export type MetadataValue = string | number | boolean | string[] | JwkSet;
export interface JwkSet {
  keys: Record<string, unknown>[];
}

export const CLIENT_METADATA: Readonly<Record<string, FieldSpec>> = Object.freeze({
  redirect_uris: { kind: 'redirect_uri_list' },
  token_endpoint_auth_method: { kind: 'string' },
  grant_types: { kind: 'string_list' },
  response_types: { kind: 'string_list' },
  client_name: { kind: 'string', localizable: true },
  client_uri: { kind: 'web_uri', localizable: true, fetched: true },
  logo_uri: { kind: 'web_uri', localizable: true, fetched: true },
  tos_uri: { kind: 'web_uri', localizable: true, fetched: true },
  policy_uri: { kind: 'web_uri', localizable: true, fetched: true },
  // MCP Inspector and Gemini CLI register `scope: ""`: no scope requested, the server's default.
  scope: { kind: 'string', emptyIsAbsent: true },
  contacts: { kind: 'email_list' },
  jwks_uri: { kind: 'web_uri', fetched: true },
  jwks: { kind: 'jwks' },
  software_id: { kind: 'string' },
  software_version: { kind: 'string' },
  application_type: { kind: 'string', values: ['web', 'native'] },
  sector_identifier_uri: { kind: 'https_uri', fetched: true },
  subject_type: { kind: 'string', values: ['public', 'pairwise'] },
  id_token_signed_response_alg: { kind: 'jws_alg' },
  id_token_encrypted_response_alg: { kind: 'jwe_alg' },
  id_token_encrypted_response_enc: { kind: 'jwe_enc' },
  userinfo_signed_response_alg: { kind: 'jws_alg' },
  userinfo_encrypted_response_alg: { kind: 'jwe_alg' },
  userinfo_encrypted_response_enc: { kind: 'jwe_enc' },
  request_object_signing_alg: { kind: 'jws_alg' },
  request_object_encryption_alg: { kind: 'jwe_alg' },
  request_object_encryption_enc: { kind: 'jwe_enc' },
  authorization_signed_response_alg: { kind: 'jws_alg' },
  authorization_encrypted_response_alg: { kind: 'jwe_alg' },
  authorization_encrypted_response_enc: { kind: 'jwe_enc' },
  token_endpoint_auth_signing_alg: { kind: 'jws_alg' },
  default_max_age: { kind: 'non_negative_integer' },
  require_auth_time: { kind: 'boolean' },
  default_acr_values: { kind: 'string_list' },
  initiate_login_uri: { kind: 'https_uri', fetched: true },
  request_uris: { kind: 'uri_list', fetched: true },
  post_logout_redirect_uris: { kind: 'redirect_uri_list' },
  frontchannel_logout_uri: { kind: 'web_uri' },
  frontchannel_logout_session_required: { kind: 'boolean' },
  backchannel_logout_uri: { kind: 'web_uri', fetched: true },
  backchannel_logout_session_required: { kind: 'boolean' },
  tls_client_auth_subject_dn: { kind: 'string' },
  tls_client_auth_san_dns: { kind: 'string' },
  tls_client_auth_san_uri: { kind: 'string' },
  tls_client_auth_san_ip: { kind: 'string' },
  tls_client_auth_san_email: { kind: 'string' },
  tls_client_certificate_bound_access_tokens: { kind: 'boolean' },
  dpop_bound_access_tokens: { kind: 'boolean' },
  require_pushed_authorization_requests: { kind: 'boolean' },
});

/**
 * Members the server issues. A caller never chooses them on create (RFC 7591 §3.2.1); on
 * update RFC 7592 §2.2 forbids all but `client_id` and `client_secret`.
 */
export const SERVER_ISSUED = Object.freeze([
  'client_id',
  'client_secret',
  'client_id_issued_at',
  'client_secret_expires_at',
  'registration_access_token',
  'registration_client_uri',
] as const);
export type ServerIssuedField = (typeof SERVER_ISSUED)[number];

/** RFC 7592 §2.2: a PUT carrying one of these is refused. */
export const FORBIDDEN_IN_UPDATE: readonly ServerIssuedField[] = Object.freeze([
  'registration_access_token',
  'registration_client_uri',
  'client_secret_expires_at',
  'client_id_issued_at',
]);

/** Defaults of RFC 7591 §2 and OIDC Registration §2, applied when a member is absent. */
export const DEFAULT_AUTH_METHOD = 'client_secret_basic';
export const DEFAULT_APPLICATION_TYPE = 'web';

/** Registered spellings (RFC 7518 and the JOSE registries); matched case-insensitively. */
export const JWS_ALGS = Object.freeze([
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES256K',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
  'Ed448',
  'none',
]);
export const JWE_ALGS = Object.freeze([
  'RSA1_5',
  'RSA-OAEP',
  'RSA-OAEP-256',
  'RSA-OAEP-384',
  'RSA-OAEP-512',
  'A128KW',
  'A192KW',
  'A256KW',
  'dir',
  'ECDH-ES',
  'ECDH-ES+A128KW',
  'ECDH-ES+A192KW',
  'ECDH-ES+A256KW',
  'A128GCMKW',
  'A192GCMKW',
  'A256GCMKW',
  'PBES2-HS256+A128KW',
  'PBES2-HS384+A192KW',
  'PBES2-HS512+A256KW',
]);
export const JWE_ENCS = Object.freeze([
  'A128CBC-HS256',
  'A192CBC-HS384',
  'A256CBC-HS512',
  'A128GCM',
  'A192GCM',
  'A256GCM',
]);

/** Auth methods that authenticate with a key the client registers (OIDC Reg §2, RFC 8705). */
export const KEY_BASED_AUTH_METHODS = Object.freeze([
  'private_key_jwt',
  'self_signed_tls_client_auth',
]);

/** RFC 8705 §2.1.2: `tls_client_auth` names exactly one of these. */
export const TLS_SUBJECT_FIELDS = Object.freeze([
  'tls_client_auth_subject_dn',
  'tls_client_auth_san_dns',
  'tls_client_auth_san_uri',
  'tls_client_auth_san_ip',
  'tls_client_auth_san_email',
]);

/** Schemes that must never receive an authorization response (checklist R5). */
export const DANGEROUS_SCHEMES = Object.freeze(
  new Set(['javascript:', 'vbscript:', 'data:', 'blob:', 'file:', 'about:']),
);

/**
 * Schemes that belong to another protocol or to a browser, so they are not the private-use
 * schemes of RFC 8252 §7.1 that a native app claims for itself: an authorization response sent
 * there would go to a mail client, a socket or the browser's own pages, not to the app.
 */
export const NOT_PRIVATE_USE_SCHEMES = Object.freeze(
  new Set([
    'ftp:',
    'ftps:',
    'sftp:',
    'ws:',
    'wss:',
    'mailto:',
    'tel:',
    'sms:',
    'urn:',
    'ssh:',
    'telnet:',
    'ldap:',
    'ldaps:',
    'gopher:',
    'news:',
    'nntp:',
    'irc:',
    'ircs:',
    'chrome:',
    'chrome-extension:',
    'edge:',
    'brave:',
    'opera:',
    'moz-extension:',
    'resource:',
    'view-source:',
    'intent:',
  ]),
);

export { LOOPBACK_HOSTS } from '../lib/loopback.js';

/**
 * Size limits of a registration, so that the work a request costs stays linear in its size and
 * small (a body at the limit once held 2,667 locale variants). Generous for real clients: the
 * largest body of the MCP corpus has 11 members and 6 redirect URIs.
 */
export const LIMITS = Object.freeze({
  /** Members of the body, known or not. */
  members: 200,
  /** Entries of any list member (redirect_uris, contacts, grant_types, ...). */
  listEntries: 100,
  /** Keys of a `jwks` set. */
  jwksKeys: 20,
  /** Characters of one URI. */
  uriLength: 2048,
});
