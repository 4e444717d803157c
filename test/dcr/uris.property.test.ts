import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUNDLED_MAPPINGS } from '../../src/config/load.js';
import { validateMetadata } from '../../src/dcr/index.js';
import { createOutboundPolicy } from '../../src/lib/outbound-url.js';
import { loadMapping } from '../../src/mapping/index.js';
import { dryRunOffline } from '../../src/pipeline/dry-run.js';

/**
 * URIs are checked in exactly the form they are forwarded in. The generator builds URIs from
 * pieces that parsers disagree on (userinfo, `\`, missing slashes, numeric and upper-case hosts,
 * default ports, dot segments, non-ASCII, spaces and controls): whatever the gateway accepts is
 * forwarded byte for byte, parses back to itself, and carries no userinfo and no whitespace.
 */
/** Mostly well-formed pieces, so that both accepted and refused URIs come out. */
const piece = (good: string[], hostile: string[]) =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...good), weight: 3 },
    { arbitrary: fc.constantFrom(...hostile), weight: 1 },
  );
const scheme = piece(['https', 'http', 'cursor', 'com.example.app'], ['HTTPS', 'Https']);
const separator = piece(['://'], [':', ':/', ':\\\\', ':///', '://\\']);
const userinfo = piece([''], ['user@', 'a.example@', 'a:b@', '@', 'app.example\\@']);
const host = piece(
  ['app.example', 'localhost', '127.0.0.1', '[::1]', 'xn--bcher-kva.example', 'app.example.'],
  [
    'App.Example',
    '0x7f000001',
    '2130706433',
    '0177.0.0.1',
    '127.1',
    'b\u00fccher.example',
    'a%2eexample',
    'evil.example#.app.example',
  ],
);
const port = piece(['', ':8443', ':3000'], [':443', ':80', ':', ':0080']);
const segment = piece(
  ['cb', 'callback', '%7e', '~', ''],
  ['..', '.', '%2e%2e', 'caf\u00e9', 'a b', 'a\tb', 'a\nb', 'a\\b', 'x\u0000', '@evil.example'],
);
const path = fc.array(segment, { maxLength: 4 }).map((parts) => parts.map((p) => `/${p}`).join(''));
const query = piece(['', '?x=1', '?a=%41&b'], ['? x', '?', '?%zz']);
const uri = fc
  .tuple(scheme, separator, userinfo, host, port, path, query)
  .map((parts) => parts.join(''));

function accepted(field: string, value: unknown): unknown {
  try {
    return validateMetadata({ [field]: value })[field];
  } catch {
    return undefined;
  }
}

/** What may differ between a URI and its parse: only the empty path of an authority. */
function expectReadsAsItself(raw: string): void {
  const url = new URL(raw);
  const withRootPath = raw.replace(/^([^:]+:\/\/[^/?#]*)(?=[?#]|$)/, '$1/');
  expect([raw, withRootPath]).toContain(url.href);
  expect(url.username).toBe('');
  expect(url.password).toBe('');
  expect(raw).toMatch(/^[\x21-\x7e]+$/);
  expect(raw).not.toMatch(/[\\<>"{}|^`]/);
}

describe('URIs are forwarded exactly as they were checked', () => {
  it.each(['redirect_uris', 'post_logout_redirect_uris', 'request_uris'])(
    '%s: every accepted URI parses back to itself, without userinfo or whitespace',
    (field) => {
      fc.assert(
        fc.property(uri, (raw) => {
          const value = accepted(field, [raw]);
          if (value === undefined) return;
          expect(value).toStrictEqual([raw]);
          expectReadsAsItself(raw);
        }),
        { numRuns: 2000 },
      );
    },
  );

  it.each(['client_uri', 'logo_uri#fr', 'jwks_uri', 'sector_identifier_uri', 'initiate_login_uri'])(
    '%s: every accepted URI parses back to itself, without userinfo or whitespace',
    (field) => {
      fc.assert(
        fc.property(uri, (raw) => {
          const value = accepted(field, raw);
          if (value === undefined) return;
          expect(value).toBe(raw);
          expectReadsAsItself(raw);
        }),
        { numRuns: 1000 },
      );
    },
  );

  it('the vendor request carries the redirect URIs byte for byte as they passed the checks', async () => {
    const mapping = loadMapping(`${BUNDLED_MAPPINGS}/rfc7591.yaml`);
    await fc.assert(
      fc.asyncProperty(fc.array(uri, { minLength: 1, maxLength: 3 }), async (uris) => {
        const body = { redirect_uris: uris, application_type: 'native' };
        let answer;
        try {
          answer = await dryRunOffline({
            mapping,
            params: { registration_path: '/reg' },
            operation: 'create',
            body,
            outbound: createOutboundPolicy({ lookup: () => Promise.reject(new Error('no DNS')) }),
          });
        } catch (error) {
          expect(error).toMatchObject({ code: 'invalid_redirect_uri' });
          return;
        }
        const sent = answer.requests[0]!.body as { redirect_uris: string[] };
        expect(sent.redirect_uris).toStrictEqual([...new Set(uris)]);
        for (const raw of sent.redirect_uris) expectReadsAsItself(raw);
      }),
      { numRuns: 500 },
    );
  });

  it('the generator reaches both sides: some URIs pass, and every hostile piece is refused', () => {
    const passes = fc.sample(uri, 3000).filter((raw) => accepted('redirect_uris', [raw]));
    expect(passes.length).toBeGreaterThan(50);
    // In a private-use URI without authority (`cursor:a.example@x`) all of it is path: fine.
    const web = passes.filter((raw) => raw.startsWith('http'));
    expect(web.length).toBeGreaterThan(20);
    const hostile = [
      /^[^/]+\/\/[^/]*@/, // userinfo
      /[\\ \u00e9]/,
      /0x7f|2130706433|0177\./,
      /^https:\/\/[^/]*:443|^http:\/\/[^/]*:80(?!\d)/, // default ports
      /\/\.\.?(\/|$)/, // dot segments
      /^https?:[^/]|^https?:\/[^/]/, // missing slashes
    ];
    for (const pattern of hostile) expect(web.filter((raw) => pattern.test(raw))).toEqual([]);
  });
});
