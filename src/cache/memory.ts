import type { Cache } from './cache.js';
import type { ClaimStore } from './claims.js';

/** Bounded in-process entries with expiry, oldest out first; synchronous, so checks and writes are atomic. */
export interface MemoryEntries {
  get(key: string): string | undefined;
  set(key: string, value: string, ttlSeconds: number): void;
  delete(key: string): void;
  clear(): void;
}

export function memoryEntries(maxEntries = 10_000): MemoryEntries {
  const entries = new Map<string, { value: string; expiresAt: number }>();
  return {
    get(key) {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      if (entry.expiresAt <= Date.now()) {
        entries.delete(key);
        return undefined;
      }
      return entry.value;
    },
    set(key, value, ttlSeconds) {
      entries.delete(key);
      entries.set(key, { value, expiresAt: Date.now() + ttlSeconds * 1000 });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    },
    delete: (key) => void entries.delete(key),
    clear: () => entries.clear(),
  };
}

/** In-process cache for the embedded default and single instances. */
export function createMemoryCache(maxEntries = 10_000): Cache {
  const entries = memoryEntries(maxEntries);
  return {
    get: async (key) => entries.get(key),
    set: async (key, value, ttlSeconds) => entries.set(key, value, ttlSeconds),
    delete: async (key) => entries.delete(key),
    ready: async () => true,
    close: async () => entries.clear(),
  };
}

/** Claims within one instance: what the gateway has without Redis. */
export function createMemoryClaims(maxEntries = 10_000): ClaimStore {
  const entries = memoryEntries(maxEntries);
  return {
    async claim(key, value, ttlSeconds) {
      if (entries.get(key) !== undefined) return false;
      entries.set(key, value, ttlSeconds);
      return true;
    },
    get: async (key) => entries.get(key),
    async replace(key, held, value, ttlSeconds) {
      if (entries.get(key) !== held) return false;
      entries.set(key, value, ttlSeconds);
      return true;
    },
    async release(key, held) {
      if (entries.get(key) === held) entries.delete(key);
    },
  };
}
