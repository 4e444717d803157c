import fc from 'fast-check';
import { isIP } from 'node:net';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadGateway, type Gateway } from '../../src/assemble.js';
import { addressKey, createLogger } from '../../src/http/index.js';
import { randomKey, writeConfigFile } from '../support/gateway.js';

/**
 * Rate limits count per caller: the peer's address, or the address a trusted proxy forwarded;
 * IPv6 by its /64, whatever its spelling. Requests are dry runs, so no backend is called and
 * every request the limit lets through is answered 200.
 */
const TRUSTED_V4 = '10.255.0.0/16';
const TRUSTED_V6 = '2001:db8:ffff::/48';
const WINDOW_SECONDS = 3600; // no window ends during a run

function gateway(max: number): Gateway {
  const file = writeConfigFile({
    server: {
      trust_proxy: [TRUSTED_V4, TRUSTED_V6],
      public_url: 'https://dcr.example',
      log_level: 'warn',
    },
    registration_tokens: { keys: [{ kid: 'k1', secret: { env: 'RAT_KEY' } }] },
    backends: { idp: { mapping: 'rfc7591', base_url: 'http://127.0.0.1:9' } },
    routes: {
      main: {
        prefix: '/idp',
        backend: 'idp',
        registration: { open: true },
        dry_run: true,
        rate_limit: { max, window_seconds: WINDOW_SECONDS },
      },
    },
  });
  return loadGateway(file, { RAT_KEY: randomKey() });
}

const quiet = () =>
  createLogger('warn', new Writable({ write: (_chunk, _encoding, done) => done() }));

// --- callers and the many ways their requests may name them ---------------------------------

const byte = fc.integer({ min: 0, max: 255 });
const hextet = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff }));

/** IPv4 outside the trusted proxies (and outside 10/8 altogether). */
const ipv4 = fc
  .tuple(fc.integer({ min: 11, max: 223 }), byte, byte, byte)
  .map((octets) => octets.join('.'));

/** The network half of an IPv6 /64 outside the trusted proxies: 2001:db9::/32 and below. */
const network64 = fc.tuple(
  fc.constant(0x2001),
  fc.integer({ min: 0xdb9, max: 0xffff }),
  hextet,
  hextet,
);

interface Spelling {
  readonly upper: boolean;
  readonly padded: boolean;
  readonly compress: boolean;
}
const spelling = fc.record({ upper: fc.boolean(), padded: fc.boolean(), compress: fc.boolean() });

/** One IPv6 address written in one of its textual forms (RFC 4291 §2.2). */
function spell(hextets: readonly number[], style: Spelling): string {
  const parts = hextets.map((value) => {
    const hex = value.toString(16);
    return style.padded ? hex.padStart(4, '0') : hex;
  });
  let text = parts.join(':');
  if (style.compress) {
    // The longest run of zero groups (two or more), written as "::".
    let best = { start: -1, length: 1 };
    for (let start = 0; start < 8; start++) {
      let length = 0;
      while (start + length < 8 && hextets[start + length] === 0) length++;
      if (length > best.length) best = { start, length };
    }
    if (best.start !== -1)
      text = `${parts.slice(0, best.start).join(':')}::${parts.slice(best.start + best.length).join(':')}`;
  }
  return style.upper ? text.toUpperCase() : text;
}

/** How one request reaches the gateway: its peer and the X-Forwarded-For it carries. */
interface Hop {
  readonly peer: string;
  readonly forwardedFor?: string;
}

/** A caller: the key it must count under, and a way to make each of its requests. */
interface Caller {
  readonly key: string;
  readonly hops: fc.Arbitrary<Hop>;
}

const junk = fc.oneof(ipv4, fc.constant('127.0.0.1'), fc.constant('unknown'), fc.string());
const trustedV4Proxy = fc.tuple(byte, byte).map(([c, d]) => `10.255.${c}.${d}`);
const trustedV6Proxy = fc
  .tuple(hextet, hextet)
  .map(([g, h]) => `2001:db8:ffff::${g.toString(16)}:${h.toString(16)}`);
const trustedProxy = fc.oneof(trustedV4Proxy, trustedV6Proxy);

/**
 * How an address may arrive: as the peer, with or without an X-Forwarded-For that the gateway
 * must ignore (the peer is no trusted proxy); or forwarded by one or two trusted proxies,
 * behind whatever the caller itself put into the header.
 */
const arrivals = (address: fc.Arbitrary<string>): fc.Arbitrary<Hop> =>
  fc.oneof(
    address.map((peer) => ({ peer })),
    fc.tuple(address, fc.array(junk, { minLength: 1, maxLength: 3 })).map(([peer, spoofed]) => ({
      peer,
      forwardedFor: spoofed.join(', '),
    })),
    fc
      .tuple(address, fc.array(junk, { maxLength: 2 }), trustedProxy, fc.option(trustedProxy))
      .map(([client, spoofed, peer, inner]) => ({
        peer,
        forwardedFor: [...spoofed, client, ...(inner === null ? [] : [inner])].join(', '),
      })),
  );

const v4Caller: fc.Arbitrary<Caller> = ipv4.map((address) => {
  const [a, b, c, d] = address.split('.').map(Number) as [number, number, number, number];
  const mappedHex = `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  return {
    key: address,
    hops: arrivals(
      fc.constantFrom(address, `::ffff:${address}`, `::FFFF:${address}`, `::ffff:${mappedHex}`),
    ),
  };
});

const v6Caller: fc.Arbitrary<Caller> = network64.map((network) => ({
  key: addressKey(spell([...network, 0, 0, 0, 1], { upper: false, padded: false, compress: true })),
  hops: arrivals(
    fc
      .tuple(fc.tuple(hextet, hextet, hextet, hextet), spelling)
      .map(([host, style]) => spell([...network, ...host], style)),
  ),
}));

/** Up to four distinct callers, each with the requests it sends (their hops). */
const callers = fc
  .uniqueArray(fc.oneof(v4Caller, v6Caller), {
    minLength: 1,
    maxLength: 4,
    selector: (caller) => caller.key,
  })
  .chain((list) => fc.tuple(...list.map((caller) => fc.array(caller.hops, { maxLength: 8 }))));

const REQUEST = JSON.stringify({ redirect_uris: ['https://app.example/cb'] });

describe('the register rate limit, per caller key', () => {
  it('accepts exactly max per key and window, refuses the rest with 429 and Retry-After', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        callers,
        fc.infiniteStream(fc.nat()),
        async (max, bursts, picks) => {
          const requests = bursts.flatMap((hops, caller) => hops.map((hop) => ({ caller, hop })));
          // Interleaved across callers: a random permutation drawn from the stream.
          for (let index = requests.length - 1; index > 0; index--) {
            const other = (picks.next().value as number) % (index + 1);
            [requests[index], requests[other]] = [requests[other]!, requests[index]!];
          }
          const app = await buildApp(gateway(max), { logger: quiet() });
          try {
            const accepted = bursts.map(() => 0);
            for (const { caller, hop } of requests) {
              const response = await app.inject({
                method: 'POST',
                url: '/idp/register',
                remoteAddress: hop.peer,
                headers: {
                  'content-type': 'application/json',
                  'x-dry-run': 'true',
                  ...(hop.forwardedFor === undefined
                    ? {}
                    : { 'x-forwarded-for': hop.forwardedFor }),
                },
                payload: REQUEST,
              });
              if (accepted[caller]! < max) {
                expect(response.statusCode, JSON.stringify(hop)).toBe(200);
                accepted[caller]!++;
                continue;
              }
              expect(response.statusCode, JSON.stringify(hop)).toBe(429);
              expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
              expect(Number(response.headers['retry-after'])).toBeLessThanOrEqual(WINDOW_SECONDS);
              expect(response.json()).toStrictEqual({
                error: 'temporarily_unavailable',
                error_description: 'too many requests; retry later',
                request_id: response.headers['x-request-id'],
              });
            }
            expect(accepted).toStrictEqual(bursts.map((hops) => Math.min(hops.length, max)));
          } finally {
            await app.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('addressKey', () => {
  it('gives every spelling of one /64 the same key, and different /64s different keys', () => {
    fc.assert(
      fc.property(
        network64,
        network64,
        fc.tuple(hextet, hextet, hextet, hextet),
        fc.tuple(hextet, hextet, hextet, hextet),
        spelling,
        spelling,
        (network, other, hostA, hostB, styleA, styleB) => {
          const a = addressKey(spell([...network, ...hostA], styleA));
          expect(addressKey(spell([...network, ...hostB], styleB))).toBe(a);
          const same = network.every((value, index) => value === other[index]);
          expect(addressKey(spell([...other, ...hostA], styleA)) === a).toBe(same);
        },
      ),
    );
  });

  it('reads IPv4-mapped IPv6 as IPv4 and puts anything else in one shared key', () => {
    expect(addressKey('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(addressKey('::ffff:c633:6407')).toBe('198.51.100.7');
    fc.assert(
      fc.property(fc.string(), (text) => {
        fc.pre(isIP(text) === 0);
        expect(addressKey(text)).toBe('invalid');
      }),
    );
    expect(addressKey(undefined)).toBe('invalid');
  });
});
