import type { Sealer } from './sealed.js';

/**
 * Records claimed once, atomically, across every instance on one store (idempotency records).
 * Unlike `Cache`, a store failure throws: a claim that could not be recorded must never be
 * taken as granted.
 */
export interface ClaimStore {
  /** Writes `value` under `key` unless a value is there; whether it did. */
  claim(key: string, value: string, ttlSeconds: number): Promise<boolean>;
  get(key: string): Promise<string | undefined>;
  /** Replaces `held` by `value` while `key` still holds `held`; whether it did. */
  replace(key: string, held: string, value: string, ttlSeconds: number): Promise<boolean>;
  /** Deletes `key` while it still holds `held`: a lease that passed to another stays theirs. */
  release(key: string, held: string): Promise<void>;
}

/** What a claimer holds: the key and the exact (sealed) value it wrote there. */
export interface Claim {
  readonly key: string;
  readonly held: string;
}

/** What a claim found: the key is now the caller's, or held (undefined: gone meanwhile). */
export type Claimed = { readonly claim: Claim } | { readonly held: unknown };

/** A claim store whose JSON values are sealed like the cache's: Redis never sees them in clear. */
export interface SealedClaims {
  claim(key: string, value: unknown, ttlSeconds: number): Promise<Claimed>;
  /** The claim holding `value` now, or undefined when `claim` was lost (its lease ran out). */
  replace(claim: Claim, value: unknown, ttlSeconds: number): Promise<Claim | undefined>;
  release(claim: Claim): Promise<void>;
}

export function sealClaims(store: ClaimStore, sealer: Sealer): SealedClaims {
  return {
    async claim(key, value, ttlSeconds) {
      const held = sealer.seal(value, key);
      if (await store.claim(key, held, ttlSeconds)) return { claim: { key, held } };
      const existing = await store.get(key);
      if (existing === undefined) return { held: undefined };
      const opened = sealer.open(existing, key);
      if (opened !== undefined) return { held: opened };
      // Sealed under a retired key (or tampered with): unreadable, so taken over.
      const replaced = await store.replace(key, existing, held, ttlSeconds);
      return replaced ? { claim: { key, held } } : { held: undefined };
    },
    async replace(claim, value, ttlSeconds) {
      const held = sealer.seal(value, claim.key);
      const replaced = await store.replace(claim.key, claim.held, held, ttlSeconds);
      return replaced ? { key: claim.key, held } : undefined;
    },
    release: (claim) => store.release(claim.key, claim.held),
  };
}

/**
 * Key of an idempotency record: `scope` (route, principal or address, and the caller's key or
 * the metadata hash) only as a digest, so neither is readable in the store.
 */
export function idempotencyKey(route: string, scopeDigest: string): string {
  return `dcrgw:idempotency:${route}:${scopeDigest}`;
}
