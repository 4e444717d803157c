import { invalidMetadata } from '../errors/index.js';
import {
  DEFAULT_APPLICATION_TYPE,
  DEFAULT_AUTH_METHOD,
  KEY_BASED_AUTH_METHODS,
  LOOPBACK_HOSTS,
  TLS_SUBJECT_FIELDS,
  type Metadata,
} from './metadata.js';

/** What one backend can register; declared by its mapping file, narrowed by backend config. */
export interface Capabilities {
  readonly grant_types: readonly string[];
  /** Response types as registered values; `"code id_token"` equals `"id_token code"`. */
  readonly response_types: readonly string[];
  readonly token_endpoint_auth_methods: readonly string[];
}

/**
 * The registration policy every backend shares, as ordered named steps: fill the RFC
 * defaults, then refuse what the backend cannot honour or the RFCs forbid. Returns the
 * metadata that will be registered.
 */
export function applyPolicy(input: Metadata, capabilities: Capabilities): Metadata {
  const metadata = applyDefaults(input);
  checkGrantAndResponseTypes(metadata);
  checkCapabilities(metadata, capabilities);
  checkRedirectUris(metadata);
  checkClientKeys(metadata);
  checkTlsClientAuth(metadata);
  checkProofOfPossession(metadata);
  return metadata;
}

const REDIRECT_GRANTS = new Set(['authorization_code', 'implicit']);

function list(metadata: Metadata, field: string): string[] {
  return (metadata[field] as string[] | undefined) ?? [];
}

function responseTypeWords(metadata: Metadata): Set<string> {
  return new Set(list(metadata, 'response_types').flatMap((value) => value.split(' ')));
}

/** RFC 7591 §2 and OIDC Registration §2 defaults, derived from each other when one is given. */
export function applyDefaults(input: Metadata): Metadata {
  const metadata = { ...input };
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
}

/** The comparable form of each capability list, built once per list (12: precompute). */
const supportedSets = new WeakMap<readonly string[], ReadonlySet<string>>();

function refuseUnsupported(
  field: string,
  values: readonly string[],
  supported: readonly string[],
  comparable: (value: string) => string,
): void {
  let known = supportedSets.get(supported);
  if (known === undefined) {
    known = new Set(supported.map(comparable));
    supportedSets.set(supported, known);
  }
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

/** RFC 7591 §2.1 consistency, RFC 9700 §2.4 (no ROPC), RFC 6749 §4.4 (no public client_credentials). */
function checkGrantAndResponseTypes(metadata: Metadata): void {
  const grants = new Set(list(metadata, 'grant_types'));
  const words = responseTypeWords(metadata);
  if (grants.has('password'))
    throw invalidMetadata('grant_types', 'must not contain password (RFC 9700 section 2.4)');
  if (words.has('code') && !grants.has('authorization_code')) {
    throw invalidMetadata(
      'grant_types',
      'must contain authorization_code when response_types contains code',
    );
  }
  if ((words.has('token') || words.has('id_token')) && !grants.has('implicit')) {
    throw invalidMetadata(
      'grant_types',
      'must contain implicit when response_types contains token or id_token',
    );
  }
  if (grants.has('authorization_code') && !words.has('code')) {
    throw invalidMetadata(
      'response_types',
      'must contain code when grant_types contains authorization_code',
    );
  }
  if (grants.has('implicit') && !words.has('token') && !words.has('id_token')) {
    throw invalidMetadata(
      'response_types',
      'must contain token or id_token when grant_types contains implicit',
    );
  }
  if (grants.has('client_credentials') && metadata.token_endpoint_auth_method === 'none') {
    throw invalidMetadata(
      'grant_types',
      'client_credentials needs a token_endpoint_auth_method other than none',
    );
  }
}

/**
 * Redirect URIs by application type (OIDC Registration §2, RFC 8252 §7, MCP): web clients use
 * https, or http on a loopback host; native clients use loopback http on any port, claimed
 * https, or a private-use scheme. Dangerous schemes and fragments were refused by the
 * validator already.
 */
function checkRedirectUris(metadata: Metadata): void {
  const uris = list(metadata, 'redirect_uris');
  const redirects = list(metadata, 'grant_types').some((grant) => REDIRECT_GRANTS.has(grant));
  if (redirects && uris.length === 0) {
    throw invalidMetadata(
      'redirect_uris',
      'are required for the authorization_code and implicit grants',
    );
  }
  const native = metadata.application_type === 'native';
  const implicit = list(metadata, 'grant_types').includes('implicit');
  for (const uri of uris) {
    const url = new URL(uri);
    const loopback = LOOPBACK_HOSTS.has(url.hostname);
    if (url.protocol === 'http:' && !loopback) {
      throw invalidMetadata(
        'redirect_uris',
        'may use http only on a loopback host (localhost, 127.0.0.1, [::1])',
      );
    }
    if (native) continue;
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw invalidMetadata(
        'redirect_uris',
        'of web clients must use https (private-use schemes need application_type native)',
      );
    }
    if (implicit && (url.protocol !== 'https:' || loopback)) {
      throw invalidMetadata(
        'redirect_uris',
        'of web clients using implicit must be https and not on a loopback host',
      );
    }
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
