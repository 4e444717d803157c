import fc from 'fast-check';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installErrorHandling, installJsonBody } from '../../src/http/index.js';
import { depthOf, MAX_JSON_DEPTH, parseSignedRequestBody } from '../../src/http/json-body.js';

/** JSON bodies are bounded in depth when parsed, so no deep body reaches recursive code. */
const reference = (value: unknown): number =>
  typeof value === 'object' && value !== null
    ? 1 + Math.max(0, ...Object.values(value).map(reference))
    : 0;

const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

describe('depthOf', () => {
  it('measures what a recursive walk measures, up to just past the limit', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: MAX_JSON_DEPTH + 4 }), (value) => {
        const expected = reference(value);
        const measured = depthOf(value);
        if (expected <= MAX_JSON_DEPTH) expect(measured).toBe(expected);
        else expect(measured).toBeGreaterThan(MAX_JSON_DEPTH);
      }),
    );
  });

  it('walks 100,000 levels without overflowing the stack', () => {
    expect(depthOf(JSON.parse(nested(100_000)))).toBe(MAX_JSON_DEPTH + 1);
  });
});

describe('the JSON body parser', () => {
  const app = Fastify();
  beforeAll(async () => {
    installJsonBody(app);
    installErrorHandling(app, 1_048_576);
    app.post('/echo', async (request) => ({ depth: depthOf(request.body) }));
    await app.ready();
  });
  afterAll(() => app.close());

  const post = (payload: string) =>
    app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload,
    });

  it.each([MAX_JSON_DEPTH + 1, 1_000, 10_000, 100_000])(
    'answers 400 to %i levels',
    async (depth) => {
      const response = await post(`{"jwks":${nested(depth - 1)}}`);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toStrictEqual({
        error: 'invalid_request',
        error_description: `the request body nests deeper than ${MAX_JSON_DEPTH} levels`,
        request_id: expect.any(String),
      });
    },
  );

  it('refuses any body that is not valid UTF-8 instead of registering U+FFFD', async () => {
    // Bytes that can never start or continue a UTF-8 sequence, at a random place in a string.
    const invalid = fc.constantFrom([0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0x80]);
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 20 }), invalid, async (before, bytes) => {
        const payload = Buffer.concat([
          Buffer.from(`{"client_name":"${before.replace(/["\\]/g, '')}`),
          Buffer.from(bytes),
          Buffer.from('"}'),
        ]);
        const response = await app.inject({
          method: 'POST',
          url: '/echo',
          headers: { 'content-type': 'application/json' },
          payload,
        });
        expect(response.statusCode).toBe(400);
        expect(response.json().error_description).toBe('the request body is not valid UTF-8');
      }),
      { numRuns: 50 },
    );
    const ok = await post('{"client_name":"Müller ✓ 😀"}');
    expect(ok.statusCode).toBe(200);
  });

  it('takes a body at the limit', async () => {
    const response = await post(`{"jwks":${nested(MAX_JSON_DEPTH - 1)}}`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toStrictEqual({ depth: MAX_JSON_DEPTH });
  });
});

describe('parseSignedRequestBody', () => {
  const jws = 'eyJhbGciOiJFUzI1NiJ9.eyJhIjoxfQ.c2ln';

  it('reads a compact JWS, surrounding line breaks aside; empty is no body', () => {
    expect(parseSignedRequestBody('POST', Buffer.from(jws))).toBe(jws);
    expect(parseSignedRequestBody('POST', Buffer.from(`\r\n ${jws}\n`))).toBe(jws);
    expect(parseSignedRequestBody('POST', Buffer.alloc(0))).toBeUndefined();
  });

  it('refuses anything else, and any method but POST, with invalid_request', () => {
    const refusal = (method: string, bytes: Buffer) => {
      try {
        parseSignedRequestBody(method, bytes);
      } catch (error) {
        return (error as { code: string; description: string }).description;
      }
      return 'accepted';
    };
    expect(refusal('PUT', Buffer.from(jws))).toBe('the request body must be application/json');
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), (bytes) => {
        const text = Buffer.from(bytes).toString('latin1').trim();
        if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(text)) return;
        expect(refusal('POST', Buffer.from(bytes))).toBe(
          'an application/jwt body must be a compact JWS',
        );
      }),
    );
    for (const text of [`${jws}\u00a0`, `${jws}.x.y`, `${jws.replace('.', '..')}`, '\u00e9.a.b'])
      expect(refusal('POST', Buffer.from(text, 'utf8')), text).toBe(
        'an application/jwt body must be a compact JWS',
      );
  });
});
