/**
 * IBM Security Verify's `/oauth2/register` as tables, from the vendor contract
 * (`shared/vendors/ibm-verify.md`, cited as §N below). The simulator's rules read these;
 * nothing here runs.
 */

/** The JSON types of the request schema `DynamicClientRequest` (§3). */
export type FieldType =
  'string' | 'boolean' | 'integer' | 'string_list' | 'request_mappings' | 'response_mappings';

/**
 * §3: the 51 request fields, in the seed's order, and their types. Rows 1–47 are
 * `ClientMetadata` (echoed in responses, §4); the last four are request-only.
 */
export const REQUEST_FIELDS: Readonly<Record<string, FieldType>> = Object.freeze({
  access_policy: 'string',
  all_users_entitled: 'boolean',
  api_entitlements: 'string_list',
  authorization_encrypted_response_alg: 'string',
  authorization_encrypted_response_enc: 'string',
  authorization_signed_response_alg: 'string',
  authorize_request_mapping: 'request_mappings',
  authorize_response_mapping: 'response_mappings',
  client_name: 'string',
  consent_action: 'string',
  enforce_pkce: 'boolean',
  grant_types: 'string_list',
  id_token_encrypted_response_alg: 'string',
  id_token_encrypted_response_enc: 'string',
  id_token_signed_response_alg: 'string',
  identity_providers: 'string_list',
  initiate_login_uri: 'string',
  jwks_uri: 'string',
  redirect_uris: 'string_list',
  request_object_check_expiry: 'boolean',
  request_object_encryption_alg: 'string',
  request_object_encryption_enc: 'string',
  request_object_lifetime: 'integer',
  request_object_parameters_only: 'boolean',
  request_object_signing_alg: 'string',
  require_pushed_authorization_requests: 'boolean',
  request_uris: 'string_list',
  response_types: 'string_list',
  restrict_api_entitlements: 'boolean',
  scope: 'string',
  software_id: 'string',
  software_statement: 'string',
  theme_id: 'string',
  tls_client_auth_san_dns: 'string',
  tls_client_auth_subject_dn: 'string',
  tls_client_auth_san_email: 'string',
  tls_client_auth_san_ip: 'string',
  tls_client_auth_san_uri: 'string',
  tls_client_certificate_bound_access_tokens: 'boolean',
  token_endpoint_auth_method: 'string',
  token_endpoint_auth_signing_alg: 'string',
  token_endpoint_auth_single_use_jti: 'boolean',
  token_request_mapping: 'request_mappings',
  token_response_mapping: 'response_mappings',
  userinfo_encrypted_response_alg: 'string',
  userinfo_encrypted_response_enc: 'string',
  userinfo_signed_response_alg: 'string',
  client_id: 'string',
  client_secret: 'string',
  id_token_claims: 'string_list',
  token_claims: 'string_list',
});

/** §3 rows 48–51: request-only fields, never echoed as such (§4). */
export const REQUEST_ONLY: ReadonlySet<string> = new Set([
  'client_id',
  'client_secret',
  'id_token_claims',
  'token_claims',
]);

/** §3 row 40: no `none`, no `client_secret_jwt`, no `self_signed_tls_client_auth`. */
export const AUTH_METHODS: ReadonlySet<string> = new Set([
  'default',
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'tls_client_auth',
]);

/**
 * §3 row 12 and §1's profile list. `client_credentials` is not among them: §7 infers the
 * endpoint may refuse it, and the simulator does (the stricter reading).
 */
export const GRANT_TYPES: ReadonlySet<string> = new Set([
  'authorization_code',
  'implicit',
  'password',
  'refresh_token',
  'urn:ietf:params:oauth:grant-type:device_code',
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
]);

/** §3 row 28: single values only (IBM's Terraform module's restriction). */
export const RESPONSE_TYPES: ReadonlySet<string> = new Set(['code', 'token', 'id_token', 'none']);

/** §3 row 10. */
export const CONSENT_ACTIONS: ReadonlySet<string> = new Set(['always_prompt', 'never_prompt']);

/** §3 rows 7, 8, 43, 44: the `name` and `type` of the mapping entries. */
export const MAPPING_NAMES: ReadonlySet<string> = new Set(['context', 'scope', 'intentId']);
export const MAPPING_TYPES: ReadonlySet<string> = new Set(['header', 'parameter']);

/** §1 profile `id_token_signed_response_alg`: RS/HS/PS/ES 256/384/512 [C]; the same for every JWS member [I]. */
export const SIGNING_ALGS: ReadonlySet<string> = new Set(
  ['RS', 'HS', 'PS', 'ES'].flatMap((family) => ['256', '384', '512'].map((n) => family + n)),
);
/** JWE algorithms and encodings [I: not listed by IBM]; `none` is IBM's "no encryption" (§3). */
export const JWE_ALGS: ReadonlySet<string> = new Set([
  'RSA-OAEP',
  'RSA-OAEP-256',
  'ECDH-ES',
  'none',
]);
export const JWE_ENCS: ReadonlySet<string> = new Set([
  'A128GCM',
  'A192GCM',
  'A256GCM',
  'A128CBC-HS256',
  'A192CBC-HS384',
  'A256CBC-HS512',
  'none',
]);

export const SIGNING_MEMBERS = [
  'authorization_signed_response_alg',
  'id_token_signed_response_alg',
  'request_object_signing_alg',
  'token_endpoint_auth_signing_alg',
  'userinfo_signed_response_alg',
] as const;
export const JWE_ALG_MEMBERS = [
  'authorization_encrypted_response_alg',
  'id_token_encrypted_response_alg',
  'request_object_encryption_alg',
  'userinfo_encrypted_response_alg',
] as const;
export const JWE_ENC_MEMBERS = [
  'authorization_encrypted_response_enc',
  'id_token_encrypted_response_enc',
  'request_object_encryption_enc',
  'userinfo_encrypted_response_enc',
] as const;

/** RFC 8705 §2.1.2 subjects, IBM rows 34–38: `tls_client_auth` needs one [I]. */
export const TLS_SUBJECTS = [
  'tls_client_auth_subject_dn',
  'tls_client_auth_san_dns',
  'tls_client_auth_san_uri',
  'tls_client_auth_san_ip',
  'tls_client_auth_san_email',
] as const;

/**
 * What a stored client holds for a member the request left out [S]: the tenant profile's
 * defaults (§1), `"none"` for "no encryption" and RS256 for JARM signing as IBM tooling writes
 * them (§3), `default` authentication, and `false` flags. The response echoes them (§4).
 */
export const STORED_DEFAULTS: Readonly<Record<string, unknown>> = Object.freeze({
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'default',
  id_token_signed_response_alg: 'RS256',
  authorization_signed_response_alg: 'RS256',
  ...Object.fromEntries([...JWE_ALG_MEMBERS, ...JWE_ENC_MEMBERS].map((key) => [key, 'none'])),
  consent_action: 'always_prompt',
  enforce_pkce: true,
  all_users_entitled: false,
  require_pushed_authorization_requests: false,
  tls_client_certificate_bound_access_tokens: false,
  restrict_api_entitlements: false,
  request_object_check_expiry: false,
  request_object_parameters_only: false,
  token_endpoint_auth_single_use_jti: false,
});

/** §1 profile `id_token_claims` default [S: the profile's value is tenant configuration]. */
export const DEFAULT_ID_TOKEN_CLAIMS: readonly string[] = ['email', 'name'];

/** §1: the entitlement the admin API client needs for `/oauth2/register*`. */
export const MANAGE_ENTITLEMENT = 'manageAppAccessAdmin';

/** §1: API-client tokens live about two hours. */
export const TOKEN_LIFETIME_SECONDS = 7200;

/** §1 and §2: the paths (the token endpoint IBM's Terraform provider uses). */
export const PATHS = Object.freeze({
  token: '/v1.0/endpoint/default/token',
  register: '/oauth2/register',
  client: '/oauth2/register/',
});
