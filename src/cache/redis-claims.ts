import type { RedisConnection } from './redis.js';
import type { ClaimStore } from './claims.js';

// Compare-and-set and compare-and-delete in one step, so a claimer whose lease ran out never
// overwrites or removes the record of the one who claimed the key after it.
const REPLACE_HELD = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) and 1 end
return 0`;
const DELETE_HELD = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * Claims in the shared Redis (`SET NX EX`), on the cache's connection and command timeout.
 * Failures throw, for the caller to fail closed.
 */
export function createRedisClaims(redis: RedisConnection): ClaimStore {
  return {
    claim: async (key, value, ttlSeconds) =>
      (await redis.set(key, value, 'EX', ttlSeconds, 'NX')) === 'OK',
    get: async (key) => (await redis.get(key)) ?? undefined,
    replace: async (key, held, value, ttlSeconds) =>
      (await redis.eval(REPLACE_HELD, 1, key, held, value, ttlSeconds)) === 1,
    release: async (key, held) => void (await redis.eval(DELETE_HELD, 1, key, held)),
  };
}
