import {
  AUTH_METHODS,
  BOOLEAN_TEXT,
  GRANT_TYPES,
  ID_TOKEN_ENCRYPTION_ALG,
  ID_TOKEN_ENCRYPTION_ENC,
  ID_TOKEN_SIGNING,
  MAX_TEXT,
  MAX_URI,
  RESPONSE_WORDS,
  type Kind,
} from './contract.js';

/** Which row of the error tables (§3, §4) a refusal is; each API spells it its own way. */
export type RefusalKind = 'malformed' | 'metadata' | 'redirect';

/** A request nevisMeta refuses; `description` is the tabulated text (§3, §4). */
export class Refusal extends Error {
  constructor(
    readonly kind: RefusalKind,
    readonly description: string,
  ) {
    super(description);
    this.name = 'Refusal';
  }
}

const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** §3 `metadata`: `{name, value, locale}` objects, nothing else. */
function isMetadataList(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.every(
      (entry) =>
        isObject(entry) &&
        Object.keys(entry).every((key) => key === 'name' || key === 'value' || key === 'locale') &&
        typeof entry.name === 'string' &&
        typeof entry.value === 'string' &&
        (entry.locale === undefined || entry.locale === null || typeof entry.locale === 'string'),
    )
  );
}

const FITS: Readonly<Record<Kind, (value: unknown) => boolean>> = {
  string: (value) => typeof value === 'string',
  uri: (value) => typeof value === 'string',
  string_list: isStringList,
  uri_list: isStringList,
  metadata: isMetadataList,
  // [I] an RFC 7517 JWK Set on the wire, not the schema's Java dump (§3): checked below.
  jwks: isObject,
};

/**
 * §3/§4 MALFORMED_PAYLOAD: a member of the table with another JSON type (the JSON binding
 * fails before any rule runs). Members outside the table are the caller's business.
 */
export function checkTypes(
  body: Readonly<Record<string, unknown>>,
  members: Readonly<Record<string, Kind>>,
): void {
  for (const [key, value] of Object.entries(body)) {
    const kind = Object.hasOwn(members, key) ? members[key] : undefined;
    if (kind !== undefined && !FITS[kind](value))
      throw new Refusal('malformed', `${key} has the wrong type`);
  }
}

function isAbsoluteUri(value: string): boolean {
  try {
    return new URL(value).protocol.length > 1;
  } catch {
    return false;
  }
}

const URI_MEMBERS = ['client_uri', 'jwks_uri', 'logo_uri', 'tos_uri', 'policy_uri'] as const;
const TEXT_MEMBERS = ['client_name', 'name', 'software_id', 'software_version'] as const;
const LOCALE = /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/;

/**
 * §3 INVALID_REDIRECT_URI / INVALID_CLIENT_METADATA rows, for a client definition in V2 names
 * (`scopes` a list): the rules every stored client obeys, whichever API wrote it.
 */
export function checkDefinition(
  definition: Readonly<Record<string, unknown>>,
  setupScopes: ReadonlySet<string>,
): void {
  const grants = (definition.grant_types as string[] | undefined) ?? [];
  const responses = (definition.response_types as string[] | undefined) ?? [];
  const redirects = (definition.redirect_uris as string[] | undefined) ?? [];
  for (const uri of redirects) {
    if (!isAbsoluteUri(uri) || uri.includes('#'))
      throw new Refusal('redirect', 'unparsable URI or URI with fragment');
    if (uri.length > MAX_URI) throw new Refusal('metadata', 'value too long for its column');
  }
  // §5 [S]: the key is required; it may be empty only without a redirect-based grant.
  if (redirects.length === 0 && grants.some((g) => g === 'authorization_code' || g === 'implicit'))
    throw new Refusal('redirect', 'a redirect-based grant needs a redirect URI');
  for (const grant of grants)
    if (!GRANT_TYPES.has(grant)) throw new Refusal('metadata', `unknown grant type ${grant}`);
  const words = responses.map((type) => type.split(' '));
  if (words.some((list) => list.some((word) => !RESPONSE_WORDS.has(word))))
    throw new Refusal('metadata', 'unknown response type');
  if (grants.includes('authorization_code') && !words.some((list) => list.includes('code')))
    throw new Refusal('metadata', 'bad response type for code grant');
  if (
    grants.includes('implicit') &&
    !words.some((list) => !list.includes('code') && list.length > 0)
  )
    throw new Refusal('metadata', 'bad response type for implicit grant');
  const method = definition.token_endpoint_auth_method;
  if (typeof method === 'string' && !AUTH_METHODS.has(method))
    throw new Refusal('metadata', 'unknown token endpoint authentication method');
  if (method === 'none' && grants.includes('client_credentials'))
    throw new Refusal('metadata', 'client_credentials with a public client');
  for (const scope of (definition.scopes as string[] | undefined) ?? [])
    if (!setupScopes.has(scope)) throw new Refusal('metadata', 'Invalid scope');
  checkEnum(definition, 'id_token_signed_response_alg', ID_TOKEN_SIGNING);
  checkEnum(definition, 'id_token_encrypted_response_alg', ID_TOKEN_ENCRYPTION_ALG);
  checkEnum(definition, 'id_token_encrypted_response_enc', ID_TOKEN_ENCRYPTION_ENC);
  checkEnum(definition, 'require_pushed_authorization_requests', BOOLEAN_TEXT);
  for (const key of URI_MEMBERS) {
    const value = definition[key];
    if (typeof value !== 'string') continue;
    if (!isAbsoluteUri(value)) throw new Refusal('metadata', `${key} is not a URI`);
    if (value.length > MAX_URI) throw new Refusal('metadata', 'value too long for its column');
  }
  for (const key of TEXT_MEMBERS) {
    const value = definition[key];
    if (typeof value === 'string' && value.length > MAX_TEXT)
      throw new Refusal('metadata', 'value too long for its column');
  }
  for (const entry of (definition.metadata as { value: string; locale?: unknown }[]) ?? []) {
    if (typeof entry.locale === 'string' && !LOCALE.test(entry.locale))
      throw new Refusal('metadata', 'invalid locale');
    if (entry.value.length > MAX_URI)
      throw new Refusal('metadata', 'value too long for its column');
  }
  checkJwks(definition.jwks);
}

function checkEnum(
  definition: Readonly<Record<string, unknown>>,
  key: string,
  allowed: ReadonlySet<string>,
): void {
  const value = definition[key];
  if (value !== undefined && !allowed.has(value as string))
    throw new Refusal('metadata', `${key} has an unsupported value`);
}

/** §3 [I]: an RFC 7517 JWK Set: `keys`, each with its `kty` (the Java shape has none). */
function checkJwks(jwks: unknown): void {
  if (jwks === undefined) return;
  const keys = (jwks as { keys?: unknown }).keys;
  if (!Array.isArray(keys) || !keys.every((key) => isObject(key) && typeof key.kty === 'string'))
    throw new Refusal('metadata', 'jwks is not a JWK Set');
}
