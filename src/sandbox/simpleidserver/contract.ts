/**
 * SimpleIdServer 4.x registration as tables, from the vendor contract
 * (`shared/vendors/simpleidserver.md`, cited as §N below). Every rule of the simulator reads
 * these; nothing here runs.
 */

/** How the 4.0.x JSON converter binds a property (§3): anything else of that name crashes it. */
export type BoundKind = 'string' | 'boolean' | 'number' | 'string_list';

/** §3 "Bound properties": the only keys the parser places, with the JSON type each takes. */
export const BOUND: Readonly<Record<string, BoundKind>> = Object.freeze({
  application_type: 'string',
  software_statement: 'string',
  grant_types: 'string_list',
  scope: 'string',
  token_endpoint_auth_method: 'string',
  response_types: 'string_list',
  token_signed_response_alg: 'string',
  token_encrypted_response_alg: 'string',
  token_encrypted_response_enc: 'string',
  id_token_signed_response_alg: 'string',
  id_token_encrypted_response_alg: 'string',
  id_token_encrypted_response_enc: 'string',
  userinfo_signed_response_alg: 'string',
  userinfo_encrypted_response_alg: 'string',
  userinfo_encrypted_response_enc: 'string',
  request_object_signing_alg: 'string',
  request_object_encryption_alg: 'string',
  request_object_encryption_enc: 'string',
  redirect_uris: 'string_list',
  jwks_uri: 'string',
  sector_identifier_uri: 'string',
  initiate_login_uri: 'string',
  subject_type: 'string',
  backchannel_token_delivery_mode: 'string',
  backchannel_client_notification_endpoint: 'string',
  backchannel_authentication_request_signing_alg: 'string',
  backchannel_user_code_parameter: 'boolean',
  default_max_age: 'number',
  frontchannel_logout_uri: 'string',
  frontchannel_logout_session_required: 'boolean',
  backchannel_logout_uri: 'string',
  backchannel_logout_session_required: 'boolean',
  default_acr_values: 'string_list',
  post_logout_redirect_uris: 'string_list',
  require_auth_time: 'boolean',
  authorization_signed_response_alg: 'string',
  authorization_encrypted_response_alg: 'string',
  authorization_encrypted_response_enc: 'string',
  credential_offer_endpoint: 'string',
  authorization_data_types: 'string_list',
  dpop_bound_access_tokens: 'boolean',
});

/** §3: other string keys become translations; only these names (`#lang` optional) are kept. */
export const TRANSLATABLE: ReadonlySet<string> = new Set([
  'client_name',
  'logo_uri',
  'client_uri',
  'tos_uri',
  'policy_uri',
]);

/** §3 validation rules: the values each enumerated member may take. */
export const GRANT_TYPES: ReadonlySet<string> = new Set([
  'authorization_code',
  'implicit',
  'client_credentials',
  'password',
  'refresh_token',
  'urn:ietf:params:oauth:grant-type:device_code',
  'urn:openid:params:grant-type:ciba',
  'urn:ietf:params:oauth:grant-type:uma-ticket',
  'urn:ietf:params:oauth:grant-type:pre-authorized_code',
]);

/** §3: `none` is not among them; `pkce` is SimpleIdServer's public-client method. */
export const AUTH_METHODS: ReadonlySet<string> = new Set([
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
  'private_key_jwt',
  'tls_client_auth',
  'self_signed_tls_client_auth',
  'pkce',
]);

export const APPLICATION_TYPES: ReadonlySet<string> = new Set(['web', 'native']);
export const SUBJECT_TYPES: ReadonlySet<string> = new Set(['public', 'pairwise']);
export const SIGNING_ALGS: ReadonlySet<string> = new Set([
  'RS256',
  'RS384',
  'RS512',
  'ES256',
  'ES384',
  'ES512',
  'none',
]);
export const JWE_ALGS: ReadonlySet<string> = new Set(['RSA1_5', 'RSA-OAEP']);
export const JWE_ENCS: ReadonlySet<string> = new Set([
  'A128CBC-HS256',
  'A192CBC-HS384',
  'A256CBC-HS512',
]);

/** §3: the response types each redirect-based grant allows, one value per entry. */
export const RESPONSE_TYPES_OF_GRANT: Readonly<Record<string, readonly string[]>> = Object.freeze({
  authorization_code: ['code'],
  implicit: ['token', 'id_token'],
});

/** §3 "Defaults applied when a field is absent (create and update alike)". */
export const DEFAULTS = Object.freeze({
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_post',
  application_type: 'web',
  subject_type: 'public',
  id_token_signed_response_alg: 'RS256',
  authorization_signed_response_alg: 'RS256',
  token_signed_response_alg: 'RS256',
  token_encrypted_response_alg: 'RSA1_5',
  token_encrypted_response_enc: 'A128CBC-HS256',
  /** `*_encrypted_response_enc` when only its `_alg` is given. */
  encryption_enc: 'A128CBC-HS256',
  token_expiration_time_seconds: 1800,
  refresh_token_expiration_time_seconds: 1800,
  preferred_token_profile: 'Bearer',
});

/** §3: the JWE pairs whose `enc` gets a default, and which need their `alg` when `enc` is sent. */
export const JWE_PAIRS: readonly (readonly [alg: string, enc: string])[] = [
  ['id_token_encrypted_response_alg', 'id_token_encrypted_response_enc'],
  ['userinfo_encrypted_response_alg', 'userinfo_encrypted_response_enc'],
  ['request_object_encryption_alg', 'request_object_encryption_enc'],
  ['authorization_encrypted_response_alg', 'authorization_encrypted_response_enc'],
];

/** §2: the create errors' fixed descriptions. */
export const MISSING_TOKEN = 'missing token';
export const NOT_AUTHORIZED = "you're not authorized to access to the permissions endpoint";
/** §2 names the error but not its text for a bearer that is no token of this realm [I]. */
export const BAD_TOKEN = 'the access token is not valid';

/** §1: the scope an access token must carry to create clients. */
export const REGISTER_SCOPE = 'register';
