import { invalidMetadata } from '../errors/index.js';
import {
  DEFAULT_APPLICATION_TYPE,
  DEFAULT_AUTH_METHOD,
  KEY_BASED_AUTH_METHODS,
  LOOPBACK_HOSTS,
  NOT_PRIVATE_USE_SCHEMES,
  TLS_SUBJECT_FIELDS,
  type Metadata,
} from './metadata.js';
import { copyOf } from '../lib/objects.js';

/** What one backend can register; declared by its mapping file, narrowed by backend config. */
export interface Capabilities {
  readonly grant_types: readonly string[];
  /** Response types as registered values; `"code id_token"` equals `"id_token code"`. */
  readonly response_types: readonly string[];
  readonly token_endpoint_auth_methods: readonly string[];
  /** Scope values the backend knows. Absent: any scope is passed on. */
  readonly scopes?: readonly string[];
  /**
   * Per metadata member (`id_token_signed_response_alg`, `token_endpoint_auth_signing_alg`,
   * `userinfo_encrypted_response_enc`, ...), the values the backend accepts, in the registered
   * spelling the validator produces. Members not listed are not restricted.
   */
  readonly algorithms?: Readonly<Record<string, readonly string[]>>;
  /**
   * Members the backend cannot store, keyed by base name (`client_name` covers `client_name#fr`),
   * each with the reason told to the caller.
   */
  readonly refused?: Readonly<Record<string, string>>;
}

/**
 * What the policy does with requested values the backend cannot honour. `strict` refuses them.
 * `substitute` replaces them where RFC 7591 §2 lets the server "reject or replace any of the
 * client's requested metadata values" (the response then says what was registered, §3.2.1):
 * unsupported grant and response types are dropped while a usable registration remains, a
 * client whose redirect URIs only a native client may use is registered as native (also when
 * it said `web`), and unknown scope values are dropped. Authentication methods,
 * algorithms, refused members and every RFC rule are refused in both modes.
 */
export type RegistrationMode = 'substitute' | 'strict';

/**
 * The registration policy every backend shares, as ordered named steps: fill the RFC
 * defaults, substitute what the backend cannot honour (substitute mode only), then refuse
 * what the backend cannot honour or the RFCs forbid. Returns the metadata that will be
 * registered; `input` is left untouched.
 */
export function applyPolicy(
  input: Metadata,
  capabilities: Capabilities,
  mode: RegistrationMode = 'substitute',
): Metadata {
  const metadata = applyDefaults(input);
  if (mode === 'substitute') {
    substituteTypes(metadata, capabilities);
    inferNativeClient(metadata);
    dropUnknownScopes(metadata, capabilities);
  }
  checkGrantAndResponseTypes(metadata);
  checkCapabilities(metadata, capabilities);
  checkRedirectUris(metadata);
  checkClientKeys(metadata);
  checkTlsClientAuth(metadata);
  checkProofOfPossession(metadata);
  checkRefusedMembers(metadata, input, capabilities);
  return metadata;
}

const REDIRECT_GRANTS = new Set(['authorization_code', 'implicit']);

function list(metadata: Metadata, field: string): string[] {
  return (metadata[field] as string[] | undefined) ?? [];
}

function responseTypeWords(metadata: Metadata): Set<string> {
  return new Set(list(metadata, 'response_types').flatMap((value) => value.split(' ')));
}

/** RFC 6749 §3.3: scope is a list of space-delimited values. */
function scopeValues(metadata: Metadata): string[] {
  return typeof metadata.scope === 'string' ? metadata.scope.split(' ').filter(Boolean) : [];
}

/** RFC 7591 §2 and OIDC Registration §2 defaults, derived from each other when one is given. */
export function applyDefaults(input: Metadata): Metadata {
  return fillDefaults(copyOf(input));
}

/** `applyDefaults` over `metadata` itself, for a record the caller has just built. */
export function fillDefaults(metadata: Metadata): Metadata {
  if (metadata.grant_types === undefined) {
    const words = responseTypeWords(metadata);
    const grants = [];
    if (words.has('code') || metadata.response_types === undefined)
      grants.push('authorization_code');
    if (words.has('token') || words.has('id_token')) grants.push('implicit');
    metadata.grant_types = grants;
  }
  if (metadata.response_types === undefined) {
    metadata.response_types = list(metadata, 'grant_types').includes('authorization_code')
      ? ['code']
      : [];
  }
  metadata.token_endpoint_auth_method ??= DEFAULT_AUTH_METHOD;
  metadata.application_type ??= DEFAULT_APPLICATION_TYPE;
  return metadata;
}

/** RFC 7591 §2.1: the grant type that each response type word is used with, both ways. */
interface GrantPair {
  readonly grant: string;
  readonly words: readonly string[];
}
const GRANT_PAIRS: readonly GrantPair[] = [
  { grant: 'authorization_code', words: ['code'] },
  { grant: 'implicit', words: ['token', 'id_token'] },
];
const PAIR_OF_GRANT = new Map(GRANT_PAIRS.map((pair) => [pair.grant, pair]));

/** The grant types one response type value is used with: `code id_token` needs two. */
function pairedGrants(responseType: string): string[] {
  const words = responseType.split(' ');
  return GRANT_PAIRS.filter((pair) => pair.words.some((word) => words.includes(word))).map(
    (pair) => pair.grant,
  );
}

interface TypeRule {
  readonly field: 'grant_types' | 'response_types';
  readonly problem: string;
  readonly broken: (
    grants: ReadonlySet<string>,
    words: ReadonlySet<string>,
    metadata: Metadata,
  ) => boolean;
}

/**
 * RFC 9700 §2.4 (no ROPC), RFC 7591 §2.1 consistency in both directions, RFC 6749 §4.4 (no
 * public client_credentials), in the order a request is refused by them.
 */
const TYPE_RULES: readonly TypeRule[] = [
  {
    field: 'grant_types',
    problem: 'must not contain password (RFC 9700 section 2.4)',
    broken: (grants) => grants.has('password'),
  },
  ...GRANT_PAIRS.map((pair): TypeRule => ({
    field: 'grant_types',
    problem: `must contain ${pair.grant} when response_types contains ${pair.words.join(' or ')}`,
    broken: (grants, words) =>
      pair.words.some((word) => words.has(word)) && !grants.has(pair.grant),
  })),
  ...GRANT_PAIRS.map((pair): TypeRule => ({
    field: 'response_types',
    problem: `must contain ${pair.words.join(' or ')} when grant_types contains ${pair.grant}`,
    broken: (grants, words) =>
      grants.has(pair.grant) && !pair.words.some((word) => words.has(word)),
  })),
  {
    field: 'grant_types',
    problem: 'client_credentials needs a token_endpoint_auth_method other than none',
    broken: (grants, _words, metadata) =>
      grants.has('client_credentials') && metadata.token_endpoint_auth_method === 'none',
  },
];

function brokenTypeRule(metadata: Metadata): TypeRule | undefined {
  const grants = new Set(list(metadata, 'grant_types'));
  const words = responseTypeWords(metadata);
  return TYPE_RULES.find((rule) => rule.broken(grants, words, metadata));
}

function checkGrantAndResponseTypes(metadata: Metadata): void {
  const rule = brokenTypeRule(metadata);
  if (rule !== undefined) throw invalidMetadata(rule.field, rule.problem);
}

/**
 * Keeps the largest part of the requested grant and response types that the backend supports
 * and that still pairs up (RFC 7591 §2.1): VS Code's `[authorization_code, refresh_token,
 * device_code]` becomes `[authorization_code, refresh_token]` where device_code is missing.
 * Substitution repairs only what the backend lacks: a request that breaks a type rule by itself
 * (password, inconsistent pairs, public client_credentials), or one that would keep none of its
 * grant types or none of its response types, is left as sent, so the checks refuse it exactly
 * as strict mode does, naming what is unsupported.
 */
function substituteTypes(metadata: Metadata, capabilities: Capabilities): void {
  if (brokenTypeRule(metadata) !== undefined) return;
  const grants = list(metadata, 'grant_types');
  const responses = list(metadata, 'response_types');
  const supportedGrants = supportedSet(capabilities.grant_types, same);
  const supportedResponses = supportedSet(capabilities.response_types, sortWords);
  const offered = grants.filter((grant) => supportedGrants.has(grant));
  // A response type stays only with all its grants; each grant it pairs with then keeps it.
  const keptResponses = responses.filter(
    (type) =>
      supportedResponses.has(sortWords(type)) &&
      pairedGrants(type).every((grant) => offered.includes(grant)),
  );
  const words = new Set(keptResponses.flatMap((type) => type.split(' ')));
  const keptGrants = offered.filter(
    (grant) => PAIR_OF_GRANT.get(grant)?.words.some((word) => words.has(word)) ?? true,
  );
  if (keptGrants.length === grants.length && keptResponses.length === responses.length) return;
  const usable =
    (grants.length === 0 || keptGrants.length > 0) &&
    (responses.length === 0 || keptResponses.length > 0);
  if (!usable) return;
  metadata.grant_types = keptGrants;
  metadata.response_types = keptResponses;
}

/**
 * A client whose redirect URIs a native client may use but a web client may not (Cursor's
 * private-use scheme next to https and loopback) is a native client (OIDC Registration §2),
 * whether it said nothing or said `web` (some versions of Cursor do): the URIs registered are
 * exactly those requested, so nothing more is allowed than the caller asked for. Never for
 * implicit: the web implicit rule guards tokens in the front channel and must not be sidestepped
 * by a guess; RFC 8252 §8.2 advises native apps against implicit anyway.
 */
function inferNativeClient(metadata: Metadata): void {
  if (metadata.application_type === 'native') return;
  if (list(metadata, 'grant_types').includes('implicit')) return;
  const uris = list(metadata, 'redirect_uris');
  const web = { native: false, implicit: false };
  const native = { native: true, implicit: false };
  if (
    uris.some((uri) => redirectUriProblem(uri, web) !== undefined) &&
    uris.every((uri) => redirectUriProblem(uri, native) === undefined)
  ) {
    metadata.application_type = 'native';
  }
}

/**
 * Unknown scope values are left out: RFC 7591 §2 lets the server replace requested values, as
 * RFC 6749 §3.3 lets it ignore part of a requested scope.
 */
function dropUnknownScopes(metadata: Metadata, capabilities: Capabilities): void {
  if (capabilities.scopes === undefined || metadata.scope === undefined) return;
  const known = supportedSet(capabilities.scopes, same);
  const values = scopeValues(metadata);
  const kept = values.filter((value) => known.has(value));
  // Nothing dropped: keep the spelling sent.
  if (kept.length === values.length) return;
  if (kept.length > 0) metadata.scope = kept.join(' ');
  else delete metadata.scope;
}

const sortWords = (value: string): string => value.split(' ').filter(Boolean).sort().join(' ');
const same = (value: string): string => value;

function checkCapabilities(metadata: Metadata, capabilities: Capabilities): void {
  refuseUnsupported('grant_types', list(metadata, 'grant_types'), capabilities.grant_types, same);
  refuseUnsupported(
    'response_types',
    list(metadata, 'response_types'),
    capabilities.response_types,
    sortWords,
  );
  refuseUnsupported(
    'token_endpoint_auth_method',
    [metadata.token_endpoint_auth_method as string],
    capabilities.token_endpoint_auth_methods,
    same,
  );
  if (capabilities.scopes !== undefined) {
    refuseUnsupported('scope', scopeValues(metadata), capabilities.scopes, same);
  }
  for (const [field, supported] of Object.entries(capabilities.algorithms ?? {})) {
    const value = metadata[field];
    if (value !== undefined) refuseUnsupported(field, [value as string], supported, same);
  }
}

/** The comparable form of each capability list, built once per list (12: precompute). */
const supportedSets = new WeakMap<readonly string[], ReadonlySet<string>>();

function supportedSet(
  supported: readonly string[],
  comparable: (value: string) => string,
): ReadonlySet<string> {
  let known = supportedSets.get(supported);
  if (known === undefined) {
    known = new Set(supported.map(comparable));
    supportedSets.set(supported, known);
  }
  return known;
}

function refuseUnsupported(
  field: string,
  values: readonly string[],
  supported: readonly string[],
  comparable: (value: string) => string,
): void {
  const known = supportedSet(supported, comparable);
  const refused = values.filter((value) => !known.has(comparable(value)));
  if (refused.length > 0) {
    // Not "supported: none" for an empty list: `none` is itself an auth method and a response type.
    const offer =
      supported.length > 0 ? `supported: ${supported.join(', ')}` : `it supports no ${field}`;
    throw invalidMetadata(
      field,
      `value ${refused.join(', ')} is not supported by this identity provider (${offer})`,
    );
  }
}

interface RedirectClient {
  readonly native: boolean;
  readonly implicit: boolean;
}

interface RedirectUriRule {
  readonly binds: (client: RedirectClient) => boolean;
  readonly broken: (url: URL, loopback: boolean) => boolean;
  readonly problem: string;
}

/**
 * Redirect URIs by application type (OIDC Registration §2, RFC 8252 §7, MCP): web clients use
 * https, or http on a loopback host; native clients use loopback http on any port, claimed
 * https, or a private-use scheme (not one of another protocol or a browser, such as `ftp:`,
 * `ws:`, `mailto:` or `chrome:`). Dangerous schemes and fragments were refused by the validator
 * already.
 */
const REDIRECT_URI_RULES: readonly RedirectUriRule[] = [
  {
    binds: () => true,
    broken: (url, loopback) => url.protocol === 'http:' && !loopback,
    problem: 'may use http only on a loopback host (localhost, 127.0.0.1, [::1])',
  },
  {
    binds: (client) => !client.native,
    broken: (url) => url.protocol !== 'https:' && url.protocol !== 'http:',
    problem: 'of web clients must use https (private-use schemes need application_type native)',
  },
  {
    binds: (client) => client.native,
    broken: (url) => NOT_PRIVATE_USE_SCHEMES.has(url.protocol),
    problem:
      'of native clients must use loopback http, https or a private-use scheme (RFC 8252 section 7)',
  },
  {
    binds: (client) => !client.native && client.implicit,
    broken: (url, loopback) => url.protocol !== 'https:' || loopback,
    problem: 'of web clients using implicit must be https and not on a loopback host',
  },
];

function redirectUriProblem(uri: string, client: RedirectClient): string | undefined {
  const url = new URL(uri);
  const loopback = LOOPBACK_HOSTS.has(url.hostname);
  return REDIRECT_URI_RULES.find((rule) => rule.binds(client) && rule.broken(url, loopback))
    ?.problem;
}

function checkRedirectUris(metadata: Metadata): void {
  const uris = list(metadata, 'redirect_uris');
  const grants = list(metadata, 'grant_types');
  if (grants.some((grant) => REDIRECT_GRANTS.has(grant)) && uris.length === 0) {
    throw invalidMetadata(
      'redirect_uris',
      'are required for the authorization_code and implicit grants',
    );
  }
  const client = {
    native: metadata.application_type === 'native',
    implicit: grants.includes('implicit'),
  };
  for (const uri of uris) {
    const problem = redirectUriProblem(uri, client);
    if (problem !== undefined) throw invalidMetadata('redirect_uris', problem);
  }
}

/** RFC 7591 §2 (jwks xor jwks_uri), OIDC Registration §2, RFC 7523, RFC 8705 §2.2. */
function checkClientKeys(metadata: Metadata): void {
  const hasKeys = metadata.jwks !== undefined || metadata.jwks_uri !== undefined;
  if (metadata.jwks !== undefined && metadata.jwks_uri !== undefined) {
    throw invalidMetadata('jwks', 'must not be sent together with jwks_uri');
  }
  const method = metadata.token_endpoint_auth_method as string;
  if (KEY_BASED_AUTH_METHODS.includes(method) && !hasKeys) {
    throw invalidMetadata('token_endpoint_auth_method', `${method} needs jwks or jwks_uri`);
  }
  const alg = metadata.token_endpoint_auth_signing_alg as string | undefined;
  if (alg === undefined) return;
  if (alg === 'none') throw invalidMetadata('token_endpoint_auth_signing_alg', 'must not be none');
  const symmetric = alg.startsWith('HS');
  if (method === 'client_secret_jwt' && !symmetric) {
    throw invalidMetadata(
      'token_endpoint_auth_signing_alg',
      'must be an HS algorithm for client_secret_jwt',
    );
  }
  if (method === 'private_key_jwt' && symmetric) {
    throw invalidMetadata(
      'token_endpoint_auth_signing_alg',
      'must be asymmetric for private_key_jwt',
    );
  }
}

/** RFC 8705 §2.1.2: exactly one subject member with tls_client_auth, none otherwise. */
function checkTlsClientAuth(metadata: Metadata): void {
  const present = TLS_SUBJECT_FIELDS.filter((field) => metadata[field] !== undefined);
  if (metadata.token_endpoint_auth_method === 'tls_client_auth') {
    if (present.length !== 1) {
      throw invalidMetadata(
        'token_endpoint_auth_method',
        `tls_client_auth needs exactly one of ${TLS_SUBJECT_FIELDS.join(', ')}`,
      );
    }
    return;
  }
  for (const field of present) delete metadata[field];
}

const POP_FLAGS = ['tls_client_certificate_bound_access_tokens', 'dpop_bound_access_tokens'];

/**
 * At most one proof-of-possession mechanism (RFC 8705 §3.4, RFC 9449 §5.2), and none with
 * response type `token`, whose access tokens leave the authorization endpoint unbound.
 */
function checkProofOfPossession(metadata: Metadata): void {
  const required = POP_FLAGS.filter((flag) => metadata[flag] === true);
  if (required.length > 1) {
    throw invalidMetadata(required[1]!, `must not be true together with ${required[0]}`);
  }
  if (required.length === 1 && responseTypeWords(metadata).has('token')) {
    throw invalidMetadata('response_types', `must not contain token when ${required[0]} is true`);
  }
}

/**
 * Members the backend cannot store are refused, not dropped: the client relies on them (a key by
 * value, a localized name). Only members the client sent and the policy kept count, so defaults
 * and members the policy removed itself are not held against the request.
 */
function checkRefusedMembers(
  metadata: Metadata,
  input: Metadata,
  capabilities: Capabilities,
): void {
  const refused = capabilities.refused;
  if (refused === undefined) return;
  for (const key of Object.keys(input)) {
    const field = key.split('#')[0]!;
    if (Object.hasOwn(metadata, key) && Object.hasOwn(refused, field)) {
      throw invalidMetadata(
        key,
        `cannot be registered with this identity provider: ${refused[field]}`,
      );
    }
  }
}
