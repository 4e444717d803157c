import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import { GatewayError } from '../errors/index.js';
import type { OutboundPolicy } from '../lib/outbound-url.js';

/** Where a key set comes from, as config resolved it (a file is read at start: inline). */
export type KeySource =
  | { readonly kind: 'inline'; readonly jwks: JSONWebKeySet }
  | { readonly kind: 'uri'; readonly uri: string };

/** What fetching a key set from a URI needs. */
export interface KeySetDeps {
  /** The route's outbound-URL policy: a key set URI must pass it like any URL the gateway fetches. */
  readonly outbound: OutboundPolicy;
  /** Names the URI in a refusal (`jwks_uri`, `routes.x.registration.initial_access_jwt.jwks`). */
  readonly field: string;
  /** Bound on one fetch (connect, headers and body). */
  readonly timeoutMs?: number;
  /** Fetched key sets are kept this long (jose's cache), then fetched again. */
  readonly cacheMaxAgeMs?: number;
  /** After a fetch, no other is made for this long (jose's cooldown), e.g. for an unknown kid. */
  readonly cooldownMs?: number;
  /** The fetch itself; global fetch by default (tests inject one). */
  readonly fetch?: typeof fetch;
}

/** The largest key set body read: far above any real JWKS, far below what would hurt. */
export const MAX_JWKS_BYTES = 256 * 1024;

/**
 * A jose key resolver for `jwtVerify`/`compactVerify`. A URI is checked against the outbound-URL
 * policy before every fetch (so a name that starts resolving to a private address is refused
 * then), fetched single-flight by jose with its cooldown and cache, within a deadline and a
 * size bound; a refused or failing fetch throws a `GatewayError` (a URI the policy refuses, or a key
 * set that cannot be fetched, as `key_set_unavailable`: 503, the reason in the log only).
 */
export function createKeySet(source: KeySource, deps?: KeySetDeps): JWTVerifyGetKey {
  if (source.kind === 'inline') return createLocalJWKSet(source.jwks);
  if (deps === undefined) throw new Error('a key set URI needs the outbound-URL policy');
  const fetchFn = deps.fetch ?? fetch;
  const remote = createRemoteJWKSet(new URL(source.uri), {
    timeoutDuration: deps.timeoutMs ?? 5_000,
    cacheMaxAge: deps.cacheMaxAgeMs ?? 600_000,
    cooldownDuration: deps.cooldownMs ?? 30_000,
    [customFetch]: async (url, options) => {
      const verdict = await deps.outbound.checkAll([{ field: deps.field, url }]);
      // The operator's URL, not the caller's: a refusal is the gateway's problem (503, logged).
      if (!verdict.ok)
        throw keySetUnavailable(`${verdict.field} ${verdict.reason} (outbound-URL policy)`);
      const response = await fetchFn(url, { ...options, redirect: 'manual' });
      const declared = Number(response.headers.get('content-length') ?? 0);
      const body = await response.arrayBuffer();
      if (declared > MAX_JWKS_BYTES || body.byteLength > MAX_JWKS_BYTES)
        throw keySetUnavailable(`${deps.field}: the key set exceeds ${MAX_JWKS_BYTES} bytes`);
      return new Response(body, { status: response.status, headers: response.headers });
    },
  });
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      if (error instanceof GatewayError) throw error;
      const code = (error as { code?: string }).code;
      // A key the set does not hold is the token's fault; the rest is the key set's.
      if (code === 'ERR_JWKS_NO_MATCHING_KEY' || code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS')
        throw error;
      throw keySetUnavailable(
        `${deps.field}: the key set cannot be fetched (${code ?? 'error'})`,
        error,
      );
    }
  };
}

const keySetUnavailable = (detail: string, cause?: unknown) =>
  new GatewayError('key_set_unavailable', 'a key set needed to verify the request is unavailable', {
    detail,
    ...(cause === undefined ? {} : { cause }),
  });
