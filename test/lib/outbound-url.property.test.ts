import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLIENT_METADATA, validateMetadata } from '../../src/dcr/index.js';
import type { GatewayError } from '../../src/errors/index.js';
import { classifyAddress, type AddressClass } from '../../src/lib/ip-address.js';
import {
  createOutboundPolicy,
  REASONS,
  type HostLookup,
  type OutboundPolicyOptions,
} from '../../src/lib/outbound-url.js';
import { boundedLookup } from '../../src/lib/system-lookup.js';
import { checkOutboundUrls } from '../../src/pipeline/steps.js';

/**
 * No internal address reaches the IdP in any URL member it may fetch, in any spelling; public
 * hosts pass; allow and deny lists match hosts and their subdomains only. Every lookup goes
 * to a stub resolver: no test here sends a DNS query.
 */

const PUBLIC_V4 = '93.184.215.14';
const PUBLIC_V6 = '2606:2800:21f:cb07:6820:80da:af6b:8b2c';
const publicLookup: HostLookup = async () => [PUBLIC_V4, PUBLIC_V6];
const policy = (options: Partial<OutboundPolicyOptions> = {}) =>
  createOutboundPolicy({ lookup: publicLookup, ...options });

/** Every member the IdP may fetch, and a locale variant of each localizable one. */
const FETCHED = Object.entries(CLIENT_METADATA).flatMap(([name, spec]) =>
  spec.fetched !== true
    ? []
    : spec.localizable === true
      ? [name, `${name}#fr`, `${name}#zh-Hant`]
      : [name],
);
const field = fc.constantFrom(...FETCHED);

// --- Internal IPv4 addresses, as 32-bit numbers, and every spelling the URL parser reads. ---

const INTERNAL_V4: readonly (readonly [number, number, AddressClass])[] = [
  [0x00000000, 8, 'unspecified'],
  [0x0a000000, 8, 'private'],
  [0x64400000, 10, 'private'],
  [0x7f000000, 8, 'loopback'],
  [0xa9fe0000, 16, 'link_local'],
  [0xac100000, 12, 'private'],
  [0xc0000000, 24, 'reserved'],
  [0xc0a80000, 16, 'private'],
  [0xc6120000, 15, 'reserved'],
  [0xe0000000, 4, 'multicast'],
  [0xf0000000, 4, 'reserved'],
];

const internalV4 = fc
  .tuple(fc.constantFrom(...INTERNAL_V4), fc.nat())
  .map(([[base, bits, cls], random]) => {
    const hostBits = 32 - bits;
    const host = hostBits === 32 ? random : random % 2 ** hostBits;
    return { n: (base + host) >>> 0, cls };
  });

const octets = (n: number) => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const hex = (n: number, upper: boolean) => {
  const digits = n.toString(16);
  return `0${upper ? 'X' : 'x'}${upper ? digits.toUpperCase() : digits}`;
};
const part = (value: number, style: number) =>
  style === 0 ? String(value) : style === 1 ? hex(value, value % 2 === 0) : `0${value.toString(8)}`;
const word = (value: number) => value.toString(16);

/** IPv4 `n` in one of the spellings WHATWG parses to it; IPv6 forms embedding it too. */
const v4Spelling = (n: number) =>
  fc.oneof(
    fc.constant(octets(n).join('.')),
    fc.constant(String(n)),
    fc.boolean().map((upper) => hex(n, upper)),
    fc.constant(`0${n.toString(8)}`),
    fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 4, maxLength: 4 }).map((styles) =>
      octets(n)
        .map((value, i) => part(value, styles[i]!))
        .join('.'),
    ),
    fc.constant(`${n >>> 24}.${n & 0xffffff}`), // a.b: b is 24 bits
    fc.constant(`${n >>> 24}.${(n >>> 16) & 0xff}.${n & 0xffff}`), // a.b.c: c is 16 bits
    fc.constant(`${octets(n).join('.')}.`), // trailing dot
    fc.constant(`[::ffff:${octets(n).join('.')}]`), // IPv4-mapped
    fc.constant(`[::FFFF:${word(n >>> 16)}:${word(n & 0xffff)}]`),
    fc.constant(`[0:0:0:0:0:ffff:${word(n >>> 16)}:${word(n & 0xffff)}]`),
    fc.constant(`[64:ff9b::${octets(n).join('.')}]`), // NAT64
    fc.constant(`[0064:FF9B:0000:0000:0000:0000:${word(n >>> 16)}:${word(n & 0xffff)}]`),
    fc.constant(`[2002:${word(n >>> 16)}:${word(n & 0xffff)}::1]`), // 6to4
    fc.constant(`[::ffff:0:${octets(n).join('.')}]`), // SIIT
  );

/** Addresses whose class is itself internal, not embedded, in compressed and expanded forms. */
const internalV6 = fc.oneof(
  fc.constantFrom('[::1]', '[0:0:0:0:0:0:0:1]', '[::]', '[0000::0000]', '[::0:1]'),
  fc.integer({ min: 0xfc00, max: 0xfdff }).map((w) => `[${word(w)}::${word(w ^ 0x55)}]`),
  fc.integer({ min: 0xfe80, max: 0xfebf }).map((w) => `[${word(w).toUpperCase()}::1:2]`),
  fc.integer({ min: 0xff00, max: 0xffff }).map((w) => `[${word(w)}:0:0:0:0:0:0:1]`),
  fc.constant('[fec0::1]'),
);

/** A compatible address `::a.b.c.d` of a non-public IPv4 address other than :: and ::1. */
const compatible = internalV4.filter(({ n }) => n > 1).map(({ n }) => `[::${octets(n).join('.')}]`);

const localhostName = fc.oneof(
  fc.constantFrom('localhost', 'LOCALHOST', 'localhost.', 'LocalHost..'),
  fc.stringMatching(/^[a-z0-9]{1,8}$/).map((label) => `${label}.localhost`),
  fc.stringMatching(/^[a-z0-9]{1,8}$/).map((label) => `${label.toUpperCase()}.Localhost.`),
);

const internalHost = fc.oneof(
  internalV4.chain(({ n }) => v4Spelling(n)),
  internalV6,
  compatible,
  localhostName,
);
const port = fc.constantFrom('', ':443', ':8443', ':1', ':65535');
const path = fc.constantFrom('', '/', '/jwks.json', '/a/b?x=1', '/r#hash');
const scheme = fc.constantFrom('https://', 'HTTPS://', 'Https://');
const url = (host: fc.Arbitrary<string>) =>
  fc.tuple(scheme, host, port, path).map((parts) => parts.join(''));

describe('classifyAddress', () => {
  it('gives every address of an internal IPv4 block its class, also in every IPv6 embedding', () => {
    fc.assert(
      fc.property(internalV4, ({ n, cls }) => {
        const dotted = octets(n).join('.');
        const [high, low] = [word(n >>> 16), word(n & 0xffff)];
        for (const text of [
          dotted,
          `::ffff:${dotted}`,
          `::ffff:${high}:${low}`,
          `64:ff9b::${high}:${low}`,
          `2002:${high}:${low}::`,
        ])
          expect([text, classifyAddress(text)]).toStrictEqual([text, cls]);
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ['127.0.0.1', 'loopback'],
    ['169.254.169.254', 'link_local'],
    ['100.64.0.1', 'private'],
    ['255.255.255.255', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fd12:3456::1', 'private'],
    ['fe80::1%eth0', 'link_local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['64:ff9b:1::1', 'private'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::808:808', 'public'],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'loopback'], // Teredo client 127.0.0.1
    ['8.8.8.8', 'public'],
    ['2606:4700::1111', 'public'],
    ['4000::1', 'reserved'],
  ])('%s is %s', (text, cls) => {
    expect(classifyAddress(text)).toBe(cls);
  });

  it.each(['0x7f000001', '127.1', 'localhost', '1::2::3', '1.2.3.4::', '::g', '1.2.3.256'])(
    '%s is no address it classifies (the URL parser normalizes spellings first)',
    (text) => {
      expect(classifyAddress(text)).toBeUndefined();
    },
  );
});

describe('the outbound policy refuses internal addresses', () => {
  it('in every spelling, every member and locale variant, naming the member', async () => {
    const outbound = policy();
    await fc.assert(
      fc.asyncProperty(field, url(internalHost), async (name, raw) => {
        expect(await outbound.checkAll([{ field: name, url: raw }])).toStrictEqual({
          ok: false,
          field: name,
          reason: REASONS.internal,
        });
      }),
      { numRuns: 3000 },
    );
  });

  it('behind names that resolve to one, even among public addresses', async () => {
    const address = fc.oneof(
      internalV4.map(({ n }) => octets(n).join('.')),
      fc.constantFrom('::1', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:a9fe:a9fe', '::'),
    );
    await fc.assert(
      fc.asyncProperty(
        field,
        address,
        fc.array(fc.constantFrom(PUBLIC_V4, PUBLIC_V6), { maxLength: 3 }),
        fc.nat(),
        async (name, internal, others, at) => {
          const answer: string[] = [...others];
          answer.splice(at % (others.length + 1), 0, internal);
          const outbound = policy({ lookup: async () => answer });
          expect(
            await outbound.checkAll([{ field: name, url: 'https://rebind.example/x' }]),
          ).toStrictEqual({ ok: false, field: name, reason: REASONS.internal });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('through the pipeline: every spelling is refused with invalid_client_metadata naming the member', async () => {
    const route = { outbound: policy() };
    await fc.assert(
      fc.asyncProperty(field, url(internalHost), async (name, raw) => {
        const refusal = await (async () => {
          try {
            await checkOutboundUrls(route, validateMetadata({ [name]: listed(name, raw) }));
          } catch (error) {
            return error as GatewayError;
          }
          return undefined;
        })();
        expect(refusal?.code).toBe('invalid_client_metadata');
        // Non-normal spellings stop at validation, normal ones at the outbound policy.
        expect(refusal?.description).toMatch(new RegExp(`^${name} must `));
        if (new URL(raw).href === raw)
          expect(refusal?.description).toBe(`${name} ${REASONS.internal}`);
      }),
      { numRuns: 2000 },
    );
  });

  it('loopback only where allowed, and link-local, multicast and reserved never', async () => {
    const open = policy({ allowLoopback: true, allowPrivate: true });
    const check = (raw: string) => open.checkAll([{ field: 'jwks_uri', url: raw }]);
    for (const raw of ['https://127.0.0.1/k', 'http://localhost:3000/k', 'http://[::1]/k'])
      expect(await check(raw)).toStrictEqual({ ok: true });
    for (const raw of ['https://10.1.2.3/k', 'https://[fd00::1]/k', 'https://100.64.1.1/k'])
      expect(await check(raw)).toStrictEqual({ ok: true });
    for (const raw of [
      'https://169.254.169.254/latest/meta-data/',
      'https://[fe80::1]/k',
      'https://224.0.0.1/k',
      'https://255.255.255.255/k',
      'https://0.0.0.0/k',
      'https://[::]/k',
      'https://[::ffff:169.254.169.254]/k',
    ])
      expect(await check(raw)).toStrictEqual({
        ok: false,
        field: 'jwks_uri',
        reason: REASONS.internal,
      });
    // http stays refused for everything but loopback.
    expect(await check('http://10.1.2.3/k')).toStrictEqual({
      ok: false,
      field: 'jwks_uri',
      reason: REASONS.https,
    });
    expect(
      await policy().checkAll([{ field: 'logo_uri', url: 'http://localhost/l.png' }]),
    ).toStrictEqual({ ok: false, field: 'logo_uri', reason: REASONS.https });
  });
});

/** `request_uris` is a list member; the others are single URIs. */
const listed = (name: string, raw: string) => (name === 'request_uris' ? [raw] : raw);

// --- Public hosts. ---

const PUBLIC_FIRST_OCTETS = Array.from({ length: 223 }, (_, i) => i + 1).filter(
  (octet) => ![10, 100, 127, 169, 172, 192, 198, 203].includes(octet),
);
const publicV4 = fc
  .tuple(fc.constantFrom(...PUBLIC_FIRST_OCTETS), fc.nat(0xffffff))
  .map(([first, rest]) => (first * 2 ** 24 + rest) >>> 0);
const publicV6 = fc
  .tuple(
    fc.integer({ min: 0x2400, max: 0x2fff }),
    fc.array(fc.nat(0xffff), { minLength: 7, maxLength: 7 }),
  )
  .map(([first, rest]) => [first, ...rest].map(word).join(':'));
// `xn--` starts an IDNA A-label, which must be valid punycode: the URL parser refuses others.
const label = fc
  .stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/)
  .filter((text) => !text.startsWith('xn--'));
const domain = fc
  .tuple(
    fc.array(label, { minLength: 1, maxLength: 3 }),
    fc.constantFrom('com', 'org', 'io', 'example'),
  )
  .map(([labels, tld]) => [...labels, tld].join('.'))
  .filter((name) => !name.split('.').includes('localhost'));
const mixedCase = (name: string) =>
  fc
    .array(fc.boolean(), { minLength: name.length, maxLength: name.length })
    .map((flags) => [...name].map((c, i) => (flags[i] ? c.toUpperCase() : c)).join(''));

describe('the outbound policy accepts public hosts', () => {
  it('addresses in any spelling and names resolving to public addresses, in every member', async () => {
    const outbound = policy();
    const host = fc.oneof(
      publicV4.chain((n) => v4Spelling(n)).filter((spelled) => !spelled.startsWith('[2002:')),
      publicV6.map((text) => `[${text}]`),
      domain.chain(mixedCase),
      domain.map((name) => `${name}.`),
    );
    await fc.assert(
      fc.asyncProperty(field, url(host), async (name, raw) => {
        expect([raw, await outbound.checkAll([{ field: name, url: raw }])]).toStrictEqual([
          raw,
          { ok: true },
        ]);
      }),
      { numRuns: 2000 },
    );
  });

  it('and checks every URL of a request: the first refused one is named', async () => {
    const outbound = policy();
    const verdict = await outbound.checkAll([
      { field: 'client_uri', url: 'https://app.example/' },
      { field: 'request_uris', url: 'https://app.example/r1' },
      { field: 'request_uris', url: 'https://10.0.0.1/r2' },
      { field: 'logo_uri#fr', url: 'https://[::1]/logo.png' },
    ]);
    expect(verdict).toStrictEqual({ ok: false, field: 'request_uris', reason: REASONS.internal });
  });
});

describe('allow and deny lists', () => {
  const parent = domain;
  it('*.domain matches names below it at a label boundary, not the domain itself', async () => {
    await fc.assert(
      fc.asyncProperty(parent, label, label, async (base, sub, other) => {
        const outbound = policy({ allowHosts: { jwks_uri: [`*.${base}`] } });
        const verdict = (host: string) =>
          outbound.checkAll([{ field: 'jwks_uri', url: `https://${host}/k` }]);
        const refused = { ok: false, field: 'jwks_uri', reason: REASONS.notAllowed };
        expect(await verdict(`${sub}.${base}`)).toStrictEqual({ ok: true });
        expect(await verdict(`${other}.${sub}.${base.toUpperCase()}.`)).toStrictEqual({ ok: true });
        expect(await verdict(base)).toStrictEqual(refused);
        expect(await verdict(`${sub}${base}`)).toStrictEqual(refused);
        expect(await verdict(`${base}.${other}.net`)).toStrictEqual(refused);
      }),
      { numRuns: 300 },
    );
  });

  it('an exact pattern matches only that host, in any case and with a trailing dot', async () => {
    await fc.assert(
      fc.asyncProperty(parent, label, async (host, sub) => {
        const outbound = policy({ denyHosts: [host.toUpperCase()] });
        const verdict = (raw: string) => outbound.checkAll([{ field: 'tos_uri#de', url: raw }]);
        const denied = { ok: false, field: 'tos_uri#de', reason: REASONS.denied };
        expect(await verdict(`https://${host}/t`)).toStrictEqual(denied);
        expect(await verdict(`https://${host}./t`)).toStrictEqual(denied);
        expect(await verdict(`https://${sub}.${host}/t`)).toStrictEqual({ ok: true });
      }),
      { numRuns: 300 },
    );
  });

  it('a member has its own list, else the * list; a variant uses the list of its name; deny wins', async () => {
    const outbound = policy({
      allowHosts: { logo_uri: ['cdn.example'], '*': ['*.app.example'] },
      denyHosts: ['bad.app.example', '[::FFFF:7F00:1]'],
    });
    const check = (field: string, host: string, allowlist?: string) =>
      outbound.checkAll([
        { field, url: `https://${host}/x`, ...(allowlist === undefined ? {} : { allowlist }) },
      ]);
    expect(await check('logo_uri', 'cdn.example')).toStrictEqual({ ok: true });
    expect(await check('logo_uri#fr', 'cdn.example', 'logo_uri')).toStrictEqual({ ok: true });
    expect(await check('logo_uri', 'www.app.example')).toMatchObject({
      reason: REASONS.notAllowed,
    });
    expect(await check('jwks_uri', 'keys.app.example')).toStrictEqual({ ok: true });
    expect(await check('jwks_uri', 'cdn.example')).toMatchObject({ reason: REASONS.notAllowed });
    expect(await check('jwks_uri', 'bad.app.example')).toMatchObject({ reason: REASONS.denied });
    // A denied IPv6 pattern is compared in the parser's spelling.
    const loopbackOk = policy({ allowLoopback: true, denyHosts: ['::ffff:127.0.0.1'] });
    expect(
      await loopbackOk.checkAll([{ field: 'jwks_uri', url: 'https://[::ffff:7f00:1]/k' }]),
    ).toMatchObject({ reason: REASONS.denied });
  });

  it('an allowlisted host that resolves to an internal address is still refused', async () => {
    const outbound = policy({
      allowHosts: { jwks_uri: ['keys.example'] },
      lookup: async () => ['10.0.0.7'],
    });
    expect(
      await outbound.checkAll([{ field: 'jwks_uri', url: 'https://keys.example/k' }]),
    ).toStrictEqual({ ok: false, field: 'jwks_uri', reason: REASONS.internal });
  });

  it.each(['', '*.', 'a/b', '[::1', 'user@host', '*'])('%j is refused as a pattern', (text) => {
    expect(() => policy({ denyHosts: [text] })).toThrow('is not a host name');
  });
});

describe('lookups are bounded', () => {
  /** A stub that answers only when told, counting every lookup. */
  function heldLookup() {
    const started: string[] = [];
    const release: (() => void)[] = [];
    const lookup: HostLookup = (host) => {
      started.push(host);
      return new Promise((resolve) => release.push(() => resolve([PUBLIC_V4])));
    };
    return { started, lookup, releaseAll: () => release.forEach((go) => go()) };
  }

  it('each distinct name is looked up once, all at once', async () => {
    const held = heldLookup();
    const outbound = policy({ lookup: held.lookup });
    const urls = ['a', 'b', 'a', 'c', 'B'].map((name, i) => ({
      field: i % 2 === 0 ? 'request_uris' : 'jwks_uri',
      url: `https://${name}.example/${i}`,
    }));
    const verdict = outbound.checkAll(urls);
    await new Promise((resolve) => setImmediate(resolve));
    expect(held.started).toStrictEqual(['a.example', 'b.example', 'c.example']);
    held.releaseAll();
    expect(await verdict).toStrictEqual({ ok: true });
  });

  it('more distinct names than the cap are refused before any lookup beyond it', async () => {
    const held = heldLookup();
    const outbound = policy({ lookup: held.lookup, maxLookups: 3 });
    const urls = ['a', 'b', 'a', 'c', 'd', 'e'].map((name, i) => ({
      field: `request_uris`,
      url: `https://${name}.example/${i}`,
    }));
    urls[4] = { field: 'logo_uri#fr', url: urls[4]!.url };
    expect(await outbound.checkAll(urls)).toStrictEqual({
      ok: false,
      field: 'logo_uri#fr',
      reason: 'names more distinct hosts than the 3 one request may have looked up',
    });
    expect(held.started).toStrictEqual(['a.example', 'b.example', 'c.example']);
    held.releaseAll();
  });

  it('a refusal found without lookups costs none', async () => {
    const held = heldLookup();
    const outbound = policy({ lookup: held.lookup });
    const verdict = await outbound.checkAll([
      { field: 'client_uri', url: 'https://a.example/' },
      { field: 'jwks_uri', url: 'https://127.0.0.1/k' },
    ]);
    expect(verdict).toStrictEqual({ ok: false, field: 'jwks_uri', reason: REASONS.internal });
    expect(held.started).toStrictEqual([]);
  });

  it('a name that does not resolve, fails or times out is refused, or accepted where configured', async () => {
    const never: HostLookup = () => new Promise(() => {});
    const lookups: HostLookup[] = [
      async () => [],
      () => Promise.reject(Object.assign(new Error('x'), { code: 'ENOTFOUND' })),
      never,
    ];
    for (const lookup of lookups) {
      const url = [{ field: 'sector_identifier_uri', url: 'https://gone.example/s.json' }];
      expect(await policy({ lookup, resolveTimeoutMs: 20 }).checkAll(url)).toStrictEqual({
        ok: false,
        field: 'sector_identifier_uri',
        reason: REASONS.unresolvable,
      });
      expect(
        await policy({ lookup, resolveTimeoutMs: 20, unresolvable: 'accept' }).checkAll(url),
      ).toStrictEqual({ ok: true });
    }
  });

  it('boundedLookup refuses lookups beyond its bound until earlier ones settle', async () => {
    const held = heldLookup();
    const bounded = boundedLookup(held.lookup, 2);
    const first = bounded('a.example');
    const second = bounded('b.example');
    await expect(bounded('c.example')).rejects.toThrow('too many host lookups in progress');
    held.releaseAll();
    await Promise.all([first, second]);
    const third = bounded('d.example');
    held.releaseAll();
    await expect(third).resolves.toStrictEqual([PUBLIC_V4]);
    expect(held.started).toStrictEqual(['a.example', 'b.example', 'd.example']);
  });
});
