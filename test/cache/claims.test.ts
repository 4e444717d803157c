import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createMemoryClaims,
  createRedisClaims,
  createSealer,
  sealClaims,
  type ClaimStore,
} from '../../src/cache/index.js';
import { redisClient } from '../support/redis.js';

/** The claim stores behave alike: one claim per key, compare-and-set, compare-and-delete. */
const redis = redisClient();
afterAll(() => redis.disconnect());

const name = () => `dcrgw:test-claims:${randomBytes(8).toString('hex')}`;

describe.each([
  ['in memory', () => createMemoryClaims()],
  ['in Redis', () => createRedisClaims(redis)],
])('a claim store %s', (_where, create: () => ClaimStore) => {
  it('grants a key once; the holder replaces and releases it, nobody else does', async () => {
    const store = create();
    const key = name();
    expect(await store.claim(key, 'first', 60)).toBe(true);
    expect(await store.claim(key, 'second', 60)).toBe(false);
    expect(await store.get(key)).toBe('first');
    expect(await store.replace(key, 'other', 'stolen', 60)).toBe(false);
    await store.release(key, 'other');
    expect(await store.get(key)).toBe('first');
    expect(await store.replace(key, 'first', 'done', 60)).toBe(true);
    expect(await store.get(key)).toBe('done');
    await store.release(key, 'first');
    expect(await store.get(key)).toBe('done');
    await store.release(key, 'done');
    expect(await store.get(key)).toBeUndefined();
    expect(await store.claim(key, 'again', 60)).toBe(true);
  });

  it('forgets a claim when its time is up', async () => {
    const store = create();
    const key = name();
    expect(await store.claim(key, 'leased', 1)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await store.get(key)).toBeUndefined();
    expect(await store.claim(key, 'next', 1)).toBe(true);
  });
});

describe('sealed claims', () => {
  const secret = randomBytes(32);

  it('store only sealed values, and open them again', async () => {
    const store = createMemoryClaims();
    const claims = sealClaims(store, createSealer(secret));
    const key = name();
    const taken = await claims.claim(key, { client_secret: 'very-secret' }, 60);
    expect('claim' in taken).toBe(true);
    expect(await store.get(key)).not.toContain('very-secret');
    expect(await claims.claim(key, { other: true }, 60)).toStrictEqual({
      held: { client_secret: 'very-secret' },
    });
  });

  it('take over a record sealed under another key (rotation): it cannot be read', async () => {
    const store = createMemoryClaims();
    const key = name();
    await sealClaims(store, createSealer(randomBytes(32))).claim(key, { old: true }, 60);
    const taken = await sealClaims(store, createSealer(secret)).claim(key, { fresh: true }, 60);
    expect('claim' in taken).toBe(true);
  });

  it('lose a claim whose lease passed to another: no overwrite, no release', async () => {
    const store = createMemoryClaims();
    const claims = sealClaims(store, createSealer(secret));
    const key = name();
    const first = await claims.claim(key, { n: 1 }, 60);
    if (!('claim' in first)) throw new Error('expected the claim');
    await store.release(key, first.claim.held); // the lease ran out
    const second = await claims.claim(key, { n: 2 }, 60);
    expect('claim' in second).toBe(true);
    expect(await claims.replace(first.claim, { n: 'late' }, 60)).toBeUndefined();
    await claims.release(first.claim);
    expect(await claims.claim(key, { n: 3 }, 60)).toStrictEqual({ held: { n: 2 } });
  });
});
