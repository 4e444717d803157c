import fc from 'fast-check';
import { exportJWK, generateKeyPair, SignJWT, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createKeySet,
  freshnessMs,
  KEY_SET_FRESH_MS,
  KEY_SET_STALE_MS,
  MAX_JWKS_BYTES,
} from '../../src/auth/index.js';
import type { OutboundPolicy } from '../../src/lib/outbound-url.js';

const allowAll: OutboundPolicy = { checkAll: async () => ({ ok: true }) };
const URI = 'https://issuer.example/jwks';

let token: string;
let jwks: string;

beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k' }] });
  token = await new SignJWT({ sub: 's' })
    .setProtectedHeader({ alg: 'ES256', kid: 'k' })
    .sign(privateKey);
});

/** A key set over a scripted fetch and a clock the test moves. */
function scripted(answer: () => Response, policy: OutboundPolicy = allowAll) {
  let time = 1_000_000;
  let fetches = 0;
  const keys = createKeySet(
    { kind: 'uri', uri: URI },
    {
      outbound: policy,
      field: 'jwks',
      now: () => time,
      fetch: (async () => {
        fetches++;
        return answer();
      }) as typeof fetch,
    },
  );
  return {
    verify: () => jwtVerify(token, keys),
    advance: (ms: number) => (time += ms),
    fetches: () => fetches,
  };
}

const ok = (headers: Record<string, string> = {}) =>
  new Response(jwks, { headers: { 'content-type': 'application/json', ...headers } });

describe('createKeySet from a URI', () => {
  it("is used as long as the answer's max-age says, then fetched again", async () => {
    const set = scripted(() => ok({ 'cache-control': 'public, max-age=120' }));
    await set.verify();
    set.advance(119_000);
    await set.verify();
    expect(set.fetches()).toBe(1);
    set.advance(2_000);
    await set.verify();
    expect(set.fetches()).toBe(2);
  });

  it('serves the stale set while fetching fails, for an hour past its freshness, then 503', async () => {
    let failing = false;
    const set = scripted(() => (failing ? new Response('down', { status: 500 }) : ok()));
    await set.verify();
    failing = true;
    set.advance(KEY_SET_FRESH_MS.default + 1);
    await expect(set.verify()).resolves.toBeDefined();
    set.advance(KEY_SET_STALE_MS);
    await expect(set.verify()).rejects.toMatchObject({ code: 'key_set_unavailable', status: 503 });
    failing = false;
    set.advance(10_000); // past the failure cooldown
    await expect(set.verify()).resolves.toBeDefined();
  });

  it('refuses a set larger than the bound, declared or not', async () => {
    const big = JSON.stringify({ keys: [], pad: 'x'.repeat(MAX_JWKS_BYTES) });
    const declarations: Record<string, string>[] = [{}, { 'content-length': String(big.length) }];
    for (const headers of declarations) {
      const set = scripted(() => new Response(big, { headers }));
      await expect(set.verify()).rejects.toMatchObject({ code: 'key_set_unavailable' });
    }
  });

  it('never fetches a URI the outbound policy refuses', async () => {
    const set = scripted(ok, {
      checkAll: async () => ({
        ok: false,
        field: 'jwks',
        reason: 'must not point at an internal address',
      }),
    });
    await expect(set.verify()).rejects.toMatchObject({
      code: 'key_set_unavailable',
      detail: 'jwks must not point at an internal address (outbound-URL policy)',
    });
    expect(set.fetches()).toBe(0);
  });
});

describe('freshnessMs', () => {
  it('is the max-age within the bounds, whatever else the header says', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 10_000_000 }),
        fc.constantFrom('', 'public, ', 'private, must-revalidate, '),
        (seconds, before) => {
          const ms = freshnessMs(`${before}max-age=${seconds}`);
          expect(ms).toBe(
            Math.min(KEY_SET_FRESH_MS.max, Math.max(KEY_SET_FRESH_MS.min, seconds * 1000)),
          );
        },
      ),
    );
    expect(freshnessMs(null)).toBe(KEY_SET_FRESH_MS.default);
    expect(freshnessMs('no-store')).toBe(KEY_SET_FRESH_MS.min);
    expect(freshnessMs('public')).toBe(KEY_SET_FRESH_MS.default);
  });
});
