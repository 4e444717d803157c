import { discoveryKey, type SealedCache } from '../cache/index.js';
import { GatewayError, vendorUnavailable } from '../errors/index.js';
import type { FetchMetadata } from '../backends/index.js';
import { sha256 } from '../lib/crypto.js';

/** What a site's metadata document is made from. */
export interface DiscoveryOptions {
  readonly site: string;
  readonly fetch: FetchMetadata;
  /** IdP paths tried in order until one has a document (OIDC first, then RFC 8414). */
  readonly upstreamPaths: readonly string[];
  readonly cache: SealedCache;
  /** How long a fetched document is served; then refetched. */
  readonly ttlSeconds: number;
  /** How long past the TTL a document is still served while the IdP fails. */
  readonly staleSeconds: number;
  /** The gateway's registration endpoint on the site. */
  readonly registrationEndpoint: string;
  /** Whether the backend registers public clients (`token_endpoint_auth_method: none`). */
  readonly publicClients: boolean;
  /** The issuer clients start from: a document naming another fails their RFC 8414 §3.3 check. */
  readonly issuer: string;
  /** Told when the IdP's document names another issuer (it is served as it is all the same). */
  readonly onIssuerMismatch?: (stated: unknown) => void;
  readonly now?: () => number;
}

interface Entry {
  readonly fetchedAt: number;
  readonly document: Record<string, unknown>;
}

/** After a failed fetch, callers get the stale copy or the 503 at once for this long. */
const FAILURE_COOLDOWN_MS = 1_000;

/**
 * A site's metadata document: the IdP's, fetched on demand and rewritten, shared through the
 * cache by every instance for `ttlSeconds`, then served stale for up to `staleSeconds` while
 * the IdP fails. Concurrent refreshes share one fetch; a failure is not retried for a second.
 */
export function createDiscovery(options: DiscoveryOptions): () => Promise<Record<string, unknown>> {
  const now = options.now ?? Date.now;
  const key = discoveryKey(
    options.site,
    sha256(`${options.registrationEndpoint}\n${options.publicClients}`)
      .toString('hex')
      .slice(0, 16),
  );
  let inflight: Promise<Record<string, unknown>> | undefined;
  let failed: { at: number; error: GatewayError } | undefined;

  const refresh = async (): Promise<Record<string, unknown>> => {
    const fetched = await fetchFirst();
    if (fetched.issuer !== options.issuer) options.onIssuerMismatch?.(fetched.issuer);
    const document = rewriteMetadata(fetched, options);
    const entry: Entry = { fetchedAt: now(), document };
    await options.cache.set(key, entry, options.ttlSeconds + options.staleSeconds);
    return document;
  };
  const fetchFirst = async () => {
    for (const path of options.upstreamPaths) {
      const found = await options.fetch(path);
      if (found !== undefined) return found;
    }
    throw vendorUnavailable(`metadata: none at ${options.upstreamPaths.join(', ')}`);
  };
  const shared = (): Promise<Record<string, unknown>> => {
    if (failed !== undefined && now() - failed.at < FAILURE_COOLDOWN_MS)
      return Promise.reject(failed.error);
    inflight ??= refresh()
      .catch((error: unknown) => {
        failed = { at: now(), error: unavailable(error) };
        throw failed.error;
      })
      .finally(() => (inflight = undefined));
    return inflight;
  };

  return async () => {
    const cached = (await options.cache.get(key)) as Entry | undefined;
    const age = cached === undefined ? Infinity : (now() - cached.fetchedAt) / 1000;
    if (cached !== undefined && age < options.ttlSeconds) return cached.document;
    try {
      return await shared();
    } catch (error) {
      if (cached !== undefined && age < options.ttlSeconds + options.staleSeconds)
        return cached.document;
      throw error;
    }
  };
}

/**
 * The IdP's document with the gateway's `registration_endpoint` (replaced, or added where the
 * IdP has none) and `none` among the token endpoint auth methods when the backend registers
 * public clients; every other member, `issuer` above all, exactly as the IdP wrote it.
 */
export function rewriteMetadata(
  document: Record<string, unknown>,
  options: Pick<DiscoveryOptions, 'registrationEndpoint' | 'publicClients'>,
): Record<string, unknown> {
  const rewritten: Record<string, unknown> = {
    ...document,
    registration_endpoint: options.registrationEndpoint,
  };
  if (options.publicClients) {
    const listed = document.token_endpoint_auth_methods_supported;
    // RFC 8414 §2: an absent list means client_secret_basic.
    const methods = Array.isArray(listed) ? listed : ['client_secret_basic'];
    if (!methods.includes('none'))
      rewritten.token_endpoint_auth_methods_supported = [...methods, 'none'];
  }
  return rewritten;
}

/** Whatever stopped the fetch, the caller gets 503 (the detail and cause stay in the log). */
function unavailable(error: unknown): GatewayError {
  const detail =
    error instanceof GatewayError ? (error.detail ?? error.code) : 'metadata fetch failed';
  return new GatewayError('backend_unavailable', 'the identity provider metadata is unavailable', {
    detail,
    cause: error,
  });
}

/**
 * Where clients look for the metadata of an issuer with path `issuerPath` ('' at the root):
 * OIDC Discovery §4 appends the well-known suffix to the issuer, RFC 8414 §3.1 inserts it
 * before the path (and some clients try the OIDC suffix inserted the same way).
 */
export function discoveryPaths(issuerPath: string): {
  readonly served: readonly string[];
  readonly upstream: readonly string[];
} {
  const oidc = `${issuerPath}/.well-known/openid-configuration`;
  const oauth = `/.well-known/oauth-authorization-server${issuerPath}`;
  const inserted = `/.well-known/openid-configuration${issuerPath}`;
  return {
    served: [...new Set([oidc, oauth, inserted])],
    upstream: [oidc, oauth],
  };
}
