import {
  AUTH_METHODS,
  CONSENT_ACTIONS,
  GRANT_TYPES,
  JWE_ALG_MEMBERS,
  JWE_ALGS,
  JWE_ENC_MEMBERS,
  JWE_ENCS,
  MAPPING_NAMES,
  MAPPING_TYPES,
  REQUEST_FIELDS,
  RESPONSE_TYPES,
  SIGNING_ALGS,
  SIGNING_MEMBERS,
  TLS_SUBJECTS,
  type FieldType,
} from './contract.js';

/** A 400 in IBM's `Error_0` shape (§5): `{ error, error_description }`. */
export class Refusal extends Error {
  constructor(
    readonly error: 'invalid_client_metadata' | 'invalid_redirect_uri',
    readonly description: string,
  ) {
    super(description);
    this.name = 'Refusal';
  }
}

const metadata = (description: string) => new Refusal('invalid_client_metadata', description);

/** What the request is checked against besides the schema: the tenant and, on PUT, the client. */
export interface RequestContext {
  /** §1 profile `allow_custom_client_creds`. */
  readonly allowCustomClientCreds: boolean;
  /** On PUT: the client the path names; its id and secret may be repeated, not changed [S]. */
  readonly current?: { readonly clientId: string; readonly clientSecret: string };
}

const isString = (value: unknown): value is string => typeof value === 'string';

const FITS: Readonly<Record<FieldType, (value: unknown) => boolean>> = {
  string: isString,
  boolean: (value) => typeof value === 'boolean',
  integer: (value) => Number.isSafeInteger(value) && (value as number) >= 0,
  string_list: (value) => Array.isArray(value) && value.every(isString),
  request_mappings: (value) => mappingList(value, false),
  response_mappings: (value) => mappingList(value, true),
};

/** §3 rows 7, 8, 43, 44: `{name, custom}` entries, response ones with a `type`. */
function mappingList(value: unknown, typed: boolean): boolean {
  if (!Array.isArray(value)) return false;
  return value.every((entry: unknown) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return false;
    const { name, custom, type, ...rest } = entry as Record<string, unknown>;
    if (Object.keys(rest).length > 0 || !isString(name) || !MAPPING_NAMES.has(name)) return false;
    if (custom !== undefined && !isString(custom)) return false;
    if (!typed) return type === undefined;
    return type === undefined || (isString(type) && MAPPING_TYPES.has(type));
  });
}

/**
 * The request schema of §3 and the rules the simulator adopts where §6 leaves them open, in
 * order; throws the first refusal. `body` is a parsed JSON object.
 */
export function validateRequest(body: Readonly<Record<string, unknown>>, context: RequestContext) {
  for (const [key, value] of Object.entries(body)) {
    const type = Object.hasOwn(REQUEST_FIELDS, key) ? REQUEST_FIELDS[key] : undefined;
    // §3 lists every field; §6 leaves undeclared keys open, and the simulator refuses them, so
    // a mapping that sends one (it would be lost at IBM) shows [S, stricter than §6].
    if (type === undefined) throw metadata(`unknown field ${key}`);
    if (!FITS[type](value)) throw metadata(`${key} must be of type ${type}`);
  }
  // §3 row 19: the schema's only required field.
  if (body.redirect_uris === undefined) throw metadata('redirect_uris is required');
  checkEnums(body);
  checkCredentials(body, context);
  checkUris(body);
  const method = body.token_endpoint_auth_method as string | undefined;
  // IBM has no `jwks` by value (§3 row 18): key-based authentication needs the URL [I].
  if (method === 'private_key_jwt' && body.jwks_uri === undefined)
    throw metadata('private_key_jwt requires jwks_uri');
  if (method === 'tls_client_auth' && TLS_SUBJECTS.filter((k) => k in body).length !== 1)
    throw metadata('tls_client_auth requires exactly one tls_client_auth subject');
}

/** §3 enums (rows 10, 12, 28, 40) and §1's algorithm list. */
function checkEnums(body: Readonly<Record<string, unknown>>): void {
  const method = body.token_endpoint_auth_method;
  if (isString(method) && !AUTH_METHODS.has(method))
    throw metadata(`token_endpoint_auth_method ${method} is not supported`);
  const consent = body.consent_action;
  if (isString(consent) && !CONSENT_ACTIONS.has(consent))
    throw metadata(`consent_action ${consent} is not supported`);
  for (const grant of (body.grant_types as string[] | undefined) ?? [])
    if (!GRANT_TYPES.has(grant)) throw metadata(`grant type '${grant}' is not allowed`);
  for (const type of (body.response_types as string[] | undefined) ?? [])
    if (!RESPONSE_TYPES.has(type)) throw metadata(`response type '${type}' is not allowed`);
  const checkAll = (keys: readonly string[], allowed: ReadonlySet<string>) => {
    for (const key of keys) {
      const value = body[key];
      if (isString(value) && !allowed.has(value))
        throw metadata(`${key} ${value} is not supported`);
    }
  };
  checkAll(SIGNING_MEMBERS, SIGNING_ALGS);
  checkAll(JWE_ALG_MEMBERS, JWE_ALGS);
  checkAll(JWE_ENC_MEMBERS, JWE_ENCS);
}

/**
 * §1 profile `allow_custom_client_creds`: a POST may choose its id and secret only when the
 * tenant allows it [C for the flag; refusal I]. A PUT may repeat them, not change them [S].
 */
function checkCredentials(body: Readonly<Record<string, unknown>>, context: RequestContext): void {
  const { current } = context;
  if (current === undefined) {
    if (!context.allowCustomClientCreds && ('client_id' in body || 'client_secret' in body))
      throw metadata('custom client credentials are not allowed');
    return;
  }
  if ('client_id' in body && body.client_id !== current.clientId)
    throw metadata('client_id cannot be changed');
  if ('client_secret' in body && body.client_secret !== current.clientSecret)
    throw metadata('client_secret cannot be changed');
}

/** Redirect URIs absolute without a fragment [I]; `initiate_login_uri` https (§3 row 17). */
function checkUris(body: Readonly<Record<string, unknown>>): void {
  for (const uri of body.redirect_uris as string[]) {
    if (absolute(uri) === undefined || uri.includes('#'))
      throw new Refusal('invalid_redirect_uri', `redirect URI ${uri} is not valid`);
  }
  for (const key of ['jwks_uri', 'initiate_login_uri']) {
    const value = body[key];
    if (!isString(value)) continue;
    const url = absolute(value);
    if (url === undefined) throw metadata(`${key} is not a valid URI`);
    if (key === 'initiate_login_uri' && url.protocol !== 'https:')
      throw metadata('initiate_login_uri must use https');
  }
  for (const uri of (body.request_uris as string[] | undefined) ?? [])
    if (absolute(uri) === undefined) throw metadata(`request URI ${uri} is not valid`);
}

function absolute(value: string): URL | undefined {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(value)) return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}
