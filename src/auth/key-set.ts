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
  /** Names the URI in a refusal (`jwks_uri`, `initial_access_jwt.jwks`). */
  readonly field: string;
  /** Bound on one fetch (connect, headers and body). */
  readonly timeoutMs?: number;
  /** The fetch itself; global fetch by default (tests inject one). */
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
}

/** The largest key set body read: far above any real JWKS, far below what would hurt. */
export const MAX_JWKS_BYTES = 256 * 1024;
/** How long a fetched key set is used: its `Cache-Control: max-age`, within these bounds. */
export const KEY_SET_FRESH_MS = { default: 600_000, min: 60_000, max: 86_400_000 } as const;
/** Past its freshness, a key set still serves this long while fetching it again fails. */
export const KEY_SET_STALE_MS = 3_600_000;
/** After a failed fetch, the next waits this long (requests meanwhile use the stale set, or fail). */
const FAILURE_COOLDOWN_MS = 5_000;
/** An unknown `kid` refetches the set at most this often (a rotated key is picked up). */
const UNKNOWN_KID_COOLDOWN_MS = 30_000;

/**
 * A jose key resolver for `jwtVerify`/`compactVerify`. A URI is checked against the outbound-URL
 * policy before every fetch (so a name that starts resolving to a private address is refused
 * then), fetched by one request at a time (jose's single flight) within a deadline and a size
 * bound, used for as long as its `Cache-Control: max-age` says (10 minutes without one; at
 * least 1 minute, at most a day), and served stale for up to an hour while fetching it again
 * fails. A refused or failing fetch with nothing to fall back on throws `key_set_unavailable`
 * (503, the reason in the log only).
 */
export function createKeySet(source: KeySource, deps?: KeySetDeps): JWTVerifyGetKey {
  if (source.kind === 'inline') return createLocalJWKSet(source.jwks);
  if (deps === undefined) throw new Error('a key set URI needs the outbound-URL policy');
  const fetchFn = deps.fetch ?? fetch;
  const now = deps.now ?? Date.now;
  let freshUntil = 0;
  let retryAfter = 0;
  let loaded = false;
  const remote = createRemoteJWKSet(new URL(source.uri), {
    timeoutDuration: deps.timeoutMs ?? 5_000,
    // Freshness is decided here, from the answer's headers; jose only refetches when asked.
    cacheMaxAge: Infinity,
    cooldownDuration: UNKNOWN_KID_COOLDOWN_MS,
    [customFetch]: async (url, options) => {
      const verdict = await deps.outbound.checkAll([{ field: deps.field, url }]);
      // The operator's URL, not the caller's: a refusal is the gateway's problem (503, logged).
      if (!verdict.ok)
        throw keySetUnavailable(`${verdict.field} ${verdict.reason} (outbound-URL policy)`);
      const response = await fetchFn(url, { ...options, redirect: 'manual' });
      const body = await readBounded(response, deps.field);
      if (response.ok) freshUntil = now() + freshnessMs(response.headers.get('cache-control'));
      return new Response(body, { status: response.status, headers: response.headers });
    },
  });
  const refresh = async (): Promise<void> => {
    if (now() < retryAfter) {
      if (!loaded || now() > freshUntil + KEY_SET_STALE_MS)
        throw keySetUnavailable(`${deps.field}: the key set could not be fetched moments ago`);
      return;
    }
    try {
      await remote.reload();
      loaded = true;
    } catch (error) {
      retryAfter = now() + FAILURE_COOLDOWN_MS;
      if (loaded && now() <= freshUntil + KEY_SET_STALE_MS) return; // stale, still trusted
      throw unavailable(deps.field, error);
    }
  };
  return async (header, token) => {
    if (!loaded || now() >= freshUntil) await refresh();
    try {
      return await remote(header, token);
    } catch (error) {
      throw unavailable(deps.field, error);
    }
  };
}

/** A GatewayError as is; a key the set does not hold is the token's fault; the rest the set's. */
function unavailable(field: string, error: unknown): unknown {
  if (error instanceof GatewayError) return error;
  const code = (error as { code?: string }).code;
  if (code === 'ERR_JWKS_NO_MATCHING_KEY' || code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS')
    return error;
  return keySetUnavailable(`${field}: the key set cannot be fetched (${code ?? 'error'})`, error);
}

/** `max-age` of a Cache-Control value in ms, within the bounds; no-store/no-cache: the least. */
export function freshnessMs(cacheControl: string | null): number {
  if (cacheControl === null) return KEY_SET_FRESH_MS.default;
  if (/(^|,)\s*(no-store|no-cache)\s*(,|$)/i.test(cacheControl)) return KEY_SET_FRESH_MS.min;
  const maxAge = /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?/i.exec(cacheControl);
  if (maxAge === null) return KEY_SET_FRESH_MS.default;
  const ms = Number(maxAge[1]) * 1000;
  return Math.min(KEY_SET_FRESH_MS.max, Math.max(KEY_SET_FRESH_MS.min, ms));
}

/** The body, read at most to the bound (a larger one is refused, not read on). */
async function readBounded(response: Response, field: string): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > MAX_JWKS_BYTES) {
    await response.body?.cancel();
    throw tooLarge(field);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body?.getReader();
  if (reader === undefined) return new Uint8Array();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_JWKS_BYTES) {
      await reader.cancel();
      throw tooLarge(field);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

const tooLarge = (field: string) =>
  keySetUnavailable(`${field}: the key set exceeds ${MAX_JWKS_BYTES} bytes`);

const keySetUnavailable = (detail: string, cause?: unknown) =>
  new GatewayError('key_set_unavailable', 'a key set needed to verify the request is unavailable', {
    detail,
    ...(cause === undefined ? {} : { cause }),
  });
