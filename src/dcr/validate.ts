import { invalidMetadata, invalidRequest } from '../errors/index.js';
import {
  CLIENT_METADATA,
  DANGEROUS_SCHEMES,
  JWE_ALGS,
  JWE_ENCS,
  JWS_ALGS,
  LIMITS,
  type FieldKind,
  type FieldSpec,
  type JwkSet,
  type Metadata,
  type MetadataValue,
} from './metadata.js';

/**
 * Checks every member of a registration request against `CLIENT_METADATA` and returns the
 * typed metadata. Unknown members, server-issued members and `name#tag` variants of fields
 * that are not localizable are dropped silently (RFC 7591 §2, §3.2.1); a known member of the
 * wrong type or form is refused.
 */
export function validateMetadata(body: unknown): Metadata {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidRequest('the request body must be a JSON object');
  }
  const members = Object.keys(body);
  if (members.length > LIMITS.members)
    throw invalidMetadata(
      'the request',
      `has ${members.length} members; at most ${LIMITS.members} are accepted`,
    );
  const metadata: Metadata = {};
  // Tags compare case-insensitively (RFC 7591 §2.2): the first spelling sent wins.
  const variants = new Set<string>();
  for (const key of members) {
    const raw = (body as Record<string, unknown>)[key];
    const spec = specOf(key);
    // RFC 7592 §2.2 lets null mean "absent"; the gateway reads it so everywhere.
    if (spec === undefined || raw === null) continue;
    if (key.includes('#')) {
      const variant = key.toLowerCase();
      if (variants.has(variant)) continue;
      variants.add(variant);
    }
    if (raw === '' && spec.emptyIsAbsent === true) continue;
    metadata[key] = checkMember(spec, key, raw);
  }
  return metadata;
}

/**
 * The table entry for a member name, `name#tag` variants included; undefined for members the
 * gateway does not register (unknown ones, server-issued ones, tags on fields without locales).
 */
export function specOf(key: string): FieldSpec | undefined {
  const plain = tableEntry(key);
  if (plain !== undefined || !key.includes('#')) return plain;
  const [name, tag, ...rest] = key.split('#');
  const spec = tableEntry(name!);
  if (spec === undefined || rest.length > 0) return undefined;
  return spec.localizable === true && LANGUAGE_TAG.test(tag!) ? spec : undefined;
}

/** Own entries only: `constructor` or `__proto__` in a body must not find Object's members. */
function tableEntry(name: string): FieldSpec | undefined {
  return Object.hasOwn(CLIENT_METADATA, name) ? CLIENT_METADATA[name] : undefined;
}

/** Checks one member against its table entry and returns its typed value. */
export function checkMember(spec: FieldSpec, key: string, raw: unknown): MetadataValue {
  const value = CHECKS[spec.kind](raw, key);
  if (spec.values !== undefined && !spec.values.includes(value as string)) {
    throw invalidMetadata(key, `must be one of ${spec.values.join(', ')}`);
  }
  return value;
}

/** BCP 47 shape (RFC 5646 §2.1): alphanumeric subtags of 1-8 characters joined by hyphens. */
const LANGUAGE_TAG = /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/;

type Check = (raw: unknown, field: string) => MetadataValue;

function nonEmptyString(raw: unknown, field: string): string {
  if (typeof raw !== 'string' || raw.length === 0)
    throw invalidMetadata(field, 'must be a non-empty string');
  return raw;
}

function stringList(raw: unknown, field: string): string[] {
  if (!Array.isArray(raw)) throw invalidMetadata(field, 'must be an array of strings');
  if (raw.length > LIMITS.listEntries)
    throw invalidMetadata(field, `must have at most ${LIMITS.listEntries} entries`);
  for (const item of raw) {
    if (typeof item !== 'string' || item.length === 0) {
      throw invalidMetadata(field, 'must contain only non-empty strings');
    }
  }
  return [...new Set(raw as string[])];
}

/**
 * A URI is ASCII made of RFC 3986 §2 characters, `%` only in a percent-encoded octet. The
 * WHATWG parser is more lenient: it drops surrounding spaces and controls, removes tabs and line
 * breaks, and keeps `\` or non-ASCII in some schemes, so `URL.canParse` alone would let through
 * strings that are not URIs and that the gateway would then store and echo byte for byte.
 */
const NOT_IN_URI = /[^A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]|%(?![0-9A-Fa-f]{2})/;

function absoluteUrl(raw: string, field: string): URL {
  if (raw.length > LIMITS.uriLength)
    throw invalidMetadata(field, `must contain URIs of at most ${LIMITS.uriLength} characters`);
  const url = NOT_IN_URI.test(raw) ? undefined : parsedUrl(raw);
  if (url === undefined) throw invalidMetadata(field, 'must contain absolute URIs');
  if (DANGEROUS_SCHEMES.has(url.protocol))
    throw invalidMetadata(field, `must not use the ${url.protocol} scheme`);
  // `https://app.example@evil.example/` shows one host to a reader and sends to another.
  if (url.username !== '' || url.password !== '')
    throw invalidMetadata(field, 'must not contain user information (user@host)');
  // What is checked must be what is forwarded: a string the parser rewrites (`\@`,
  // `https:app.example`, `0x7f000001`, dot segments, default ports) may be read as another URI
  // by the IdP or the browser, so it is refused rather than checked in one form and stored in
  // another.
  if (!readsAsWritten(raw, url))
    throw invalidMetadata(
      field,
      'must contain URIs in normal form (lower-case scheme and host, no default port, no dot segments)',
    );
  return url;
}

/** One parse (`URL.canParse` and then `new URL` parsed every URI twice); undefined when it fails. */
function parsedUrl(raw: string): URL | undefined {
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

/**
 * Whether the parser reads `raw` back as itself; the only rewrite accepted is the empty path of
 * an authority (RFC 3986 §6.2.3: `https://app.example` and `https://app.example/` are one URI),
 * which Goose and many `client_uri` values use.
 */
function readsAsWritten(raw: string, url: URL): boolean {
  if (url.href === raw) return true;
  const authority = `${url.protocol}//${url.host}`;
  return (
    url.pathname === '/' &&
    raw.startsWith(authority) &&
    url.href === `${authority}/${raw.slice(authority.length)}`
  );
}

function webUri(raw: unknown, field: string, allowed: readonly string[]): string {
  const value = nonEmptyString(raw, field);
  const url = absoluteUrl(value, field);
  if (!allowed.includes(url.protocol)) {
    throw invalidMetadata(
      field,
      `must be an ${allowed.map((p) => p.slice(0, -1)).join(' or ')} URI`,
    );
  }
  return value;
}

function uriList(raw: unknown, field: string): string[] {
  const list = stringList(raw, field);
  for (const item of list) absoluteUrl(item, field);
  return list;
}

function redirectUriList(raw: unknown, field: string): string[] {
  const list = uriList(raw, field);
  // RFC 6749 §3.1.2: no fragment; a bare '#' counts as one.
  if (list.some((item) => item.includes('#')))
    throw invalidMetadata(field, 'must not contain fragments');
  return list;
}

function canonical(names: readonly string[], what: string): Check {
  const byLowerCase = new Map(names.map((name) => [name.toLowerCase(), name]));
  return (raw, field) => {
    const value = byLowerCase.get(nonEmptyString(raw, field).toLowerCase());
    if (value === undefined) throw invalidMetadata(field, `is not a registered ${what}`);
    return value;
  };
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

const CHECKS: Readonly<Record<FieldKind, Check>> = {
  string: nonEmptyString,
  web_uri: (raw, field) => webUri(raw, field, ['https:', 'http:']),
  https_uri: (raw, field) => webUri(raw, field, ['https:']),
  uri_list: uriList,
  redirect_uri_list: redirectUriList,
  string_list: stringList,
  email_list: (raw, field) => {
    const list = stringList(raw, field);
    if (!list.every((item) => EMAIL.test(item)))
      throw invalidMetadata(field, 'must contain e-mail addresses');
    return list;
  },
  boolean: (raw, field) => {
    if (typeof raw !== 'boolean') throw invalidMetadata(field, 'must be a boolean');
    return raw;
  },
  non_negative_integer: (raw, field) => {
    if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw < 0) {
      throw invalidMetadata(field, 'must be a non-negative integer');
    }
    return raw;
  },
  jwks: (raw, field) => validateJwks(raw, field),
  jws_alg: canonical(JWS_ALGS, 'JWS algorithm'),
  jwe_alg: canonical(JWE_ALGS, 'JWE algorithm'),
  jwe_enc: canonical(JWE_ENCS, 'JWE content encryption'),
};

/** Public parameters each key type must carry (RFC 7518 §6, RFC 8037 §2). */
const PUBLIC_PARAMS: Readonly<Record<string, readonly string[]>> = {
  RSA: ['n', 'e'],
  EC: ['crv', 'x', 'y'],
  OKP: ['crv', 'x'],
};
const PRIVATE_PARAMS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** A JWK Set by value may hold public keys only: no `oct` keys, no private members. */
function validateJwks(raw: unknown, field: string): JwkSet {
  const keys = (raw as { keys?: unknown } | null)?.keys;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || !Array.isArray(keys)) {
    throw invalidMetadata(field, 'must be a JWK Set object with a keys array');
  }
  if (keys.length > LIMITS.jwksKeys)
    throw invalidMetadata(field, `must have at most ${LIMITS.jwksKeys} keys`);
  for (const key of keys) {
    if (typeof key !== 'object' || key === null || Array.isArray(key)) {
      throw invalidMetadata(field, 'keys must be JWK objects');
    }
    const jwk = key as Record<string, unknown>;
    // Own entries only: a `kty` of `constructor` must not find Object's members.
    const required =
      typeof jwk.kty === 'string' && Object.hasOwn(PUBLIC_PARAMS, jwk.kty)
        ? PUBLIC_PARAMS[jwk.kty]
        : undefined;
    if (required === undefined)
      throw invalidMetadata(field, 'keys must be RSA, EC or OKP public keys');
    if (PRIVATE_PARAMS.some((param) => Object.hasOwn(jwk, param)))
      throw invalidMetadata(field, 'must not contain private key material');
    if (!required.every((param) => typeof jwk[param] === 'string')) {
      throw invalidMetadata(field, `${jwk.kty} keys must carry ${required.join(', ')}`);
    }
  }
  return { keys: keys as Record<string, unknown>[] };
}
