import { createHmac, timingSafeEqual } from 'node:crypto';
/**
 * What the simulated AM accepts in a registration body, from the contract
 * (`shared/vendors/forgerock-am.md`, cited as §N). Each rule throws an {@link AmError} with the
 * status and OAuth2 error code AM answers with (§5).
 */

/** An AM refusal: OAuth2 error JSON (§5), with its HTTP status. */
export class AmError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
    this.name = 'AmError';
  }
}

const metadataError = (description: string) =>
  new AmError(400, 'invalid_client_metadata', description);

type Kind = 'string' | 'strings' | 'boolean' | 'number' | 'object';

/**
 * §3: the names AM reads (standard and AM-proprietary) and their JSON types. Anything else is
 * silently ignored (§2 update rules; AM-13 reads only names it knows on create too).
 */
export const ACCEPTED: Readonly<Record<string, Kind>> = Object.freeze({
  redirect_uris: 'strings',
  response_types: 'strings',
  grant_types: 'strings',
  application_type: 'string',
  contacts: 'strings',
  client_name: 'string',
  logo_uri: 'string',
  client_uri: 'string',
  policy_uri: 'string',
  tos_uri: 'string',
  jwks_uri: 'string',
  jwks: 'object',
  sector_identifier_uri: 'string',
  subject_type: 'string',
  id_token_signed_response_alg: 'string',
  id_token_encrypted_response_alg: 'string',
  id_token_encrypted_response_enc: 'string',
  userinfo_signed_response_alg: 'string',
  userinfo_encrypted_response_alg: 'string',
  userinfo_encrypted_response_enc: 'string',
  request_object_signing_alg: 'string',
  request_object_encryption_alg: 'string',
  request_object_encryption_enc: 'string',
  token_endpoint_auth_method: 'string',
  token_endpoint_auth_signing_alg: 'string',
  default_max_age: 'number',
  require_auth_time: 'boolean',
  default_acr_values: 'strings',
  initiate_login_uri: 'string',
  request_uris: 'strings',
  post_logout_redirect_uris: 'strings',
  scope: 'string',
  scopes: 'strings',
  software_statement: 'string',
  tls_client_auth_subject_dn: 'string',
  tls_client_auth_x509_cert: 'string',
  tls_client_certificate_bound_access_tokens: 'boolean',
  backchannel_logout_uri: 'string',
  backchannel_logout_session_required: 'boolean',
  require_pushed_authorization_requests: 'boolean',
  authorization_signed_response_alg: 'string',
  client_type: 'string',
  default_scopes: 'strings',
  display_name: 'string',
  client_description: 'string',
  authorization_code_lifetime: 'number',
  access_token_lifetime: 'number',
  refresh_token_lifetime: 'number',
  jwt_token_lifetime: 'number',
});

/** §5: the token endpoint authentication methods AM knows. */
export const AUTH_METHODS = Object.freeze([
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
  'private_key_jwt',
  'tls_client_auth',
  'self_signed_tls_client_auth',
  'none',
]);

/** §5: closed value sets AM refuses others of with `invalid_client_metadata`. */
const ENUMS: Readonly<Record<string, readonly string[]>> = {
  token_endpoint_auth_method: AUTH_METHODS,
  client_type: ['Confidential', 'Public'],
  subject_type: ['public', 'pairwise'],
  application_type: ['web', 'native'],
};

const JWS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const SIGNING = [...JWS, 'ES256', 'ES384', 'ES512'];
const KEY_WRAP = ['RSA1_5', 'RSA-OAEP', 'RSA-OAEP-256', 'A128KW', 'A192KW', 'A256KW', 'dir'];
const ENC = ['A128CBC-HS256', 'A192CBC-HS384', 'A256CBC-HS512', 'A128GCM', 'A192GCM', 'A256GCM'];

/** §5 "unsupported signing/encryption alg": the algorithms of the provider's defaults. */
const ALGORITHMS: Readonly<Record<string, readonly string[]>> = {
  id_token_signed_response_alg: SIGNING,
  userinfo_signed_response_alg: SIGNING,
  request_object_signing_alg: SIGNING,
  token_endpoint_auth_signing_alg: SIGNING,
  authorization_signed_response_alg: SIGNING,
  id_token_encrypted_response_alg: KEY_WRAP,
  userinfo_encrypted_response_alg: KEY_WRAP,
  request_object_encryption_alg: KEY_WRAP,
  id_token_encrypted_response_enc: ENC,
  userinfo_encrypted_response_enc: ENC,
  request_object_encryption_enc: ENC,
};

/** §3: `response_types` entries are space-separated words; AM splits each when validating. */
const RESPONSE_WORDS = new Set(['code', 'token', 'id_token', 'none']);

/** §1: members only a token carrying the registration scope may register. */
export const SCOPE_GATED = ['logo_uri', 'client_uri', 'policy_uri'] as const;

const SECRET_METHODS = new Set(['client_secret_basic', 'client_secret_post', 'client_secret_jwt']);

/** BCP 47 shape (§5 "bad `client_name#locale`"). */
const LOCALE = /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/;

/** The realm's provider settings that decide what it registers (§1, §5). */
export interface RealmSettings {
  readonly grantTypes: readonly string[];
  /** "Client Registration Scope Allowlist". */
  readonly scopeAllowlist: readonly string[];
  /** Scopes a client registered without any gets (§4 "Scopes twice"). */
  readonly defaultScopes: readonly string[];
  /** Software Publisher agents (§1): issuer → HS256/384/512 secret. None: no statement passes. */
  readonly publishers?: Readonly<Record<string, string>>;
}

export interface Caller {
  /** Scopes of the initial access token, or undefined for open registration (§1). */
  readonly tokenScopes: readonly string[] | undefined;
}

/**
 * Checks a registration or update body (§3, §5) and returns the members AM keeps, keys of
 * `client_name#tag` included. Unknown names are dropped, as AM ignores them.
 */
export function checkRegistration(
  body: Record<string, unknown>,
  realm: RealmSettings,
  caller: Caller,
): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (value === null) continue;
    const [name, tag, ...rest] = key.split('#');
    if (tag !== undefined) {
      // §3: only client_name takes a locale; §5 refuses a bad one.
      if (name !== 'client_name') continue;
      if (rest.length > 0 || !LOCALE.test(tag)) throw metadataError(`Invalid locale: ${tag}`);
    }
    const kind = Object.hasOwn(ACCEPTED, name!) ? ACCEPTED[name!] : undefined;
    if (kind === undefined) continue;
    checkType(key, value, kind);
    kept[key] = value;
  }
  for (const [name, values] of Object.entries(ENUMS))
    if (kept[name] !== undefined && !values.includes(kept[name] as string))
      throw metadataError(`Unknown ${name}: ${String(kept[name])}`);
  for (const [name, values] of Object.entries(ALGORITHMS))
    if (kept[name] !== undefined && !values.includes(kept[name] as string))
      throw metadataError(`Unsupported algorithm for ${name}: ${String(kept[name])}`);
  checkConfidentiality(kept);
  checkKeys(kept);
  checkFlows(kept, realm);
  checkUris(kept);
  checkScopes(kept, realm);
  checkScopeGate(kept, caller);
  if (kept.software_statement !== undefined)
    checkSoftwareStatement(kept.software_statement as string, realm.publishers ?? {});
  return kept;
}

function checkType(key: string, value: unknown, kind: Kind): void {
  const ok =
    kind === 'strings'
      ? Array.isArray(value) && value.every((item) => typeof item === 'string')
      : kind === 'object'
        ? typeof value === 'object' && !Array.isArray(value)
        : typeof value === kind;
  if (!ok) throw metadataError(`Invalid value for ${key}`);
}

/**
 * §7 and §5: AM's confidentiality flag is `client_type`; [S] a `none` client must say it is
 * `Public`, a `Public` client cannot use a secret, and a public client may not use HMAC
 * algorithms keyed with a secret it does not have (§5, the 7.x sentence on symmetric algs).
 */
function checkConfidentiality(kept: Record<string, unknown>): void {
  const method = (kept.token_endpoint_auth_method as string | undefined) ?? 'client_secret_basic';
  const publicClient = kept.client_type === 'Public';
  if (method === 'none' && !publicClient)
    throw metadataError('Confidential clients must authenticate to the token endpoint');
  if (publicClient && SECRET_METHODS.has(method))
    throw metadataError(`Public clients cannot use ${method}`);
  if (!publicClient) return;
  for (const name of Object.keys(ALGORITHMS))
    if (typeof kept[name] === 'string' && (kept[name] as string).startsWith('HS'))
      throw metadataError(`Public clients cannot use symmetric algorithm for ${name}`);
}

/** §5: both `jwks` and `jwks_uri`, or a `jwks` without a keys array. */
function checkKeys(kept: Record<string, unknown>): void {
  if (kept.jwks !== undefined && kept.jwks_uri !== undefined)
    throw metadataError('Cannot have both jwks and jwks_uri');
  if (kept.jwks !== undefined && !Array.isArray((kept.jwks as { keys?: unknown }).keys))
    throw metadataError('Invalid jwks');
}

/** §5 "response types not allowed", grant types the realm does not allow. */
function checkFlows(kept: Record<string, unknown>, realm: RealmSettings): void {
  for (const entry of (kept.response_types as string[] | undefined) ?? [])
    for (const word of entry.split(' '))
      if (!RESPONSE_WORDS.has(word)) throw metadataError(`Invalid response type: ${entry}`);
  for (const grant of (kept.grant_types as string[] | undefined) ?? ['authorization_code'])
    if (!realm.grantTypes.includes(grant)) throw metadataError(`Grant type not allowed: ${grant}`);
}

/** §5: `invalid_redirect_uri` and AM's own `invalid_post_logout_redirect_uris`. */
function checkUris(kept: Record<string, unknown>): void {
  const grants = (kept.grant_types as string[] | undefined) ?? ['authorization_code'];
  const redirects = (kept.redirect_uris as string[] | undefined) ?? [];
  if (redirects.some((uri) => !isAbsolute(uri) || uri.includes('#')))
    throw new AmError(400, 'invalid_redirect_uri', 'Invalid redirect URI');
  if (redirects.length === 0 && grants.some((g) => g === 'authorization_code' || g === 'implicit'))
    throw new AmError(400, 'invalid_redirect_uri', 'Redirect URIs are required');
  const logout = (kept.post_logout_redirect_uris as string[] | undefined) ?? [];
  if (logout.some((uri) => !isAbsolute(uri) || uri.includes('#')))
    throw new AmError(400, 'invalid_post_logout_redirect_uris', 'Invalid post logout URI');
  for (const name of ['logo_uri', 'client_uri', 'policy_uri', 'tos_uri', 'jwks_uri'])
    if (typeof kept[name] === 'string' && !isAbsolute(kept[name] as string))
      throw metadataError(`Invalid ${name}`);
}

const isAbsolute = (uri: string): boolean => URL.canParse(uri) && !/\s/.test(uri);

/** §1 "Client Registration Scope Allowlist"; §5 "scopes not allowed". */
function checkScopes(kept: Record<string, unknown>, realm: RealmSettings): void {
  const asked = [
    ...((kept.scope as string | undefined)?.split(' ').filter(Boolean) ?? []),
    ...((kept.scopes as string[] | undefined) ?? []),
  ];
  for (const scope of asked)
    if (!realm.scopeAllowlist.includes(scope)) throw metadataError(`Invalid scope: ${scope}`);
}

/** §1: `logo_uri`, `client_uri`, `policy_uri` need a token with the registration scope. */
function checkScopeGate(kept: Record<string, unknown>, caller: Caller): void {
  const gated = SCOPE_GATED.filter((name) => kept[name] !== undefined);
  if (gated.length === 0) return;
  if (caller.tokenScopes?.includes(REGISTRATION_SCOPE) !== true)
    throw new AmError(
      400,
      'access_denied',
      `${gated.join(', ')} need the ${REGISTRATION_SCOPE} scope`,
    );
}

/** §1: the special scope name of the registration service client. */
export const REGISTRATION_SCOPE = 'dynamic_client_registration';

const HMAC: Readonly<Record<string, string>> = {
  HS256: 'sha256',
  HS384: 'sha384',
  HS512: 'sha512',
};

/**
 * §1 software statements: a JWT whose `iss` is one of the realm's Software Publisher agents,
 * signed with its secret (HS256/384/512 only here: the simulated agents hold no JWKS), not
 * expired; `jku`/`jwk` headers are ignored. An unknown issuer is `unapproved_software_statement`
 * (§6 [I]), anything else wrong `invalid_software_statement`.
 */
function checkSoftwareStatement(jwt: string, publishers: Readonly<Record<string, string>>): void {
  const invalid = (why: string) => new AmError(400, 'invalid_software_statement', why);
  const [header, payload, signature, ...rest] = jwt.split('.');
  if (rest.length > 0 || signature === undefined) throw invalid('Not a signed JWT');
  let alg: unknown;
  let claims: { iss?: unknown; exp?: unknown };
  try {
    alg = (JSON.parse(Buffer.from(header!, 'base64url').toString()) as { alg?: unknown }).alg;
    claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as typeof claims;
  } catch {
    throw invalid('Malformed JWT');
  }
  const secret = typeof claims.iss === 'string' ? publishers[claims.iss] : undefined;
  if (secret === undefined)
    throw new AmError(400, 'unapproved_software_statement', 'Unknown software publisher');
  const hash = typeof alg === 'string' ? HMAC[alg] : undefined;
  if (hash === undefined) throw invalid('Unsupported signing algorithm');
  const expected = createHmac(hash, secret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw invalid('Invalid signature');
  if (typeof claims.exp === 'number' && claims.exp * 1000 <= Date.now()) throw invalid('Expired');
}
