/**
 * The one cache interface. Redis is a cache here, never the only copy: every adapter answers a
 * failure of its store as a miss (or a no-op write), so requests go on without it.
 */
export interface Cache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Whether the store answers now; `/readyz` reports it. */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

/** Key of a cached RFC 7592 read; the mapping hash retires entries when a mapping changes. */
export function readKey(backend: string, mappingHash: string, clientId: string): string {
  return `dcrgw:read:${backend}:${mappingHash}:${clientId}`;
}

/**
 * Key of a site's rewritten metadata document; `version` (a hash of what the rewrite puts in)
 * retires entries when the site's registration endpoint or the backend's capabilities change.
 */
export function discoveryKey(site: string, version: string): string {
  return `dcrgw:discovery:${site}:${version}`;
}
