/**
 * nevisMeta's client APIs as tables, from the vendor contract (`shared/vendors/nevis.md`, cited
 * as §N below) and its seed (the V3 create schema). Every rule of the simulator reads these;
 * nothing here runs. [S] marks a simulator decision where the vendor material is silent.
 */

/** JSON types a member of a client body takes. */
export type Kind = 'string' | 'uri' | 'string_list' | 'uri_list' | 'metadata' | 'jwks';

/**
 * §3 (seed schema): the V3 create body. `client_name` and `redirect_uris` are required; other
 * top-level string keys are custom metadata (§3 "Extra top-level keys").
 */
export const V3_MEMBERS: Readonly<Record<string, Kind>> = Object.freeze({
  redirect_uris: 'uri_list',
  grant_types: 'string_list',
  response_types: 'string_list',
  contacts: 'string_list',
  metadata: 'metadata',
  jwks: 'jwks',
  client_name: 'string',
  scope: 'string',
  client_id: 'string',
  client_secret: 'string',
  client_uri: 'uri',
  jwks_uri: 'uri',
  logo_uri: 'uri',
  tos_uri: 'uri',
  policy_uri: 'uri',
  token_endpoint_auth_method: 'string',
  require_pushed_authorization_requests: 'string',
  id_token_signed_response_alg: 'string',
  id_token_encrypted_response_alg: 'string',
  id_token_encrypted_response_enc: 'string',
  software_id: 'string',
  software_version: 'string',
  valid_from: 'string',
});

/**
 * §4: the V2 client definition, one shape for show and edit. The docs print part of it
 * (`redirect_uris`, `grant_types`, `scopes[]`, `response_types`, `contacts`, `metadata`, `jwks`,
 * `name`, `confidentiality_type`, `validFrom`); [S] the other members take their V3 names, the
 * untagged `client_name` included, with localized values and custom metadata in `metadata`.
 * There is no `client_secret` and no `scope` (§4: V2 says `scopes`).
 */
export const V2_MEMBERS: Readonly<Record<string, Kind>> = Object.freeze({
  clientId: 'string',
  client_id: 'string',
  name: 'string',
  confidentiality_type: 'string',
  redirect_uris: 'uri_list',
  grant_types: 'string_list',
  response_types: 'string_list',
  scopes: 'string_list',
  contacts: 'string_list',
  metadata: 'metadata',
  jwks: 'jwks',
  client_name: 'string',
  client_uri: 'uri',
  jwks_uri: 'uri',
  logo_uri: 'uri',
  tos_uri: 'uri',
  policy_uri: 'uri',
  token_endpoint_auth_method: 'string',
  require_pushed_authorization_requests: 'string',
  id_token_signed_response_alg: 'string',
  id_token_encrypted_response_alg: 'string',
  id_token_encrypted_response_enc: 'string',
  software_id: 'string',
  software_version: 'string',
  validFrom: 'string',
});

/** §4 [S]: what a full-definition edit must carry (a replace, so nothing may be left out). */
export const V2_REQUIRED = ['name', 'confidentiality_type', 'redirect_uris'] as const;

/** Seed enums (§3). */
export const ID_TOKEN_SIGNING: ReadonlySet<string> = new Set([
  'RS256',
  'RS384',
  'RS512',
  'ES256',
  'ES256K',
  'ES384',
  'ES512',
]);
export const ID_TOKEN_ENCRYPTION_ALG: ReadonlySet<string> = new Set([
  'RSA1_5',
  'RSA-OAEP',
  'RSA-OAEP-256',
  'RSA-OAEP-384',
  'RSA-OAEP-512',
  'ECDH-ES',
  'ECDH-ES+A128KW',
  'ECDH-ES+A192KW',
  'ECDH-ES+A256KW',
  'none',
]);
export const ID_TOKEN_ENCRYPTION_ENC: ReadonlySet<string> = new Set([
  'A128CBC-HS256',
  'A192CBC-HS384',
  'A256CBC-HS512',
  'A128GCM',
  'A192GCM',
  'A256GCM',
  'none',
]);

/** [S] nevisMeta's grants (§3 names `client_credentials` and the code and implicit grants). */
export const GRANT_TYPES: ReadonlySet<string> = new Set([
  'authorization_code',
  'implicit',
  'refresh_token',
  'client_credentials',
]);
/** [S] the OAuth/OIDC response types, word order free. */
export const RESPONSE_WORDS: ReadonlySet<string> = new Set(['code', 'token', 'id_token']);
/** [S] `none` makes a public client (§3). */
export const AUTH_METHODS: ReadonlySet<string> = new Set([
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
  'private_key_jwt',
  'none',
]);

/** §3 `require_pushed_authorization_requests` is a string in the schema. */
export const BOOLEAN_TEXT: ReadonlySet<string> = new Set(['true', 'false']);

/** §3 "allowed characters" for a caller's `client_id` / `client_secret` [S: RFC 6749 VSCHAR minus space]. */
export const CREDENTIAL_CHARACTERS = /^[\x21-\x7e]{1,255}$/;

/** §3 "value too long for its column" [S: 255 for names and ids, 2048 for URIs]. */
export const MAX_TEXT = 255;
export const MAX_URI = 2048;

/** §3 defaults of the V3 create. */
export const V3_DEFAULTS = {
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
} as const;

/** §3 V3 error table, with the RFC lower-case codes [S]. */
export const V3_ERRORS = {
  malformed: 'malformed_payload',
  metadata: 'invalid_client_metadata',
  redirect: 'invalid_redirect_uri',
  notFound: 'not_found',
} as const;

/**
 * §4 V2 error codes (setup table; the client ones [I]); [S] the V3 refusal rows in V2's upper
 * case for an edit.
 */
export const V2_ERRORS = {
  malformed: 'MALFORMED_PAYLOAD',
  metadata: 'INVALID_CLIENT_METADATA',
  redirect: 'INVALID_REDIRECT_URI',
  query: 'MALFORMED_QUERY_PARAMETER',
  setup: 'SETUP_NOT_FOUND',
  snapshot: 'SNAPSHOT_NOT_FOUND',
  client: 'CLIENT_NOT_FOUND',
} as const;
