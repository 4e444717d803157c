import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BackendClient } from '../../src/backends/index.js';
import { startFakeVendor, unauthenticatedClient, type FakeVendor } from '../support/fake-vendor.js';

/**
 * How the client reads a vendor's answer (its own undici dispatch handler): generated JSON,
 * sent in generated pieces, with or without a byte order mark and after interim 1xx answers,
 * comes back as the value sent and the final status; a body that is empty or not JSON comes
 * back undefined; one over the size cap is `backend_bad_response`, as undici's `body.text()`
 * read them before.
 */
const MAX_RESPONSE_BYTES = 4_096;

interface Answer {
  readonly status: number;
  readonly text: string;
  readonly bom: boolean;
  /** Byte offsets where the body is cut into separate writes. */
  readonly cuts: readonly number[];
  readonly interim: boolean;
}

let vendor: FakeVendor;
let client: BackendClient;
/** The status the vendor-call metric recorded for each call. */
const observed: number[] = [];
beforeAll(async () => {
  vendor = await startFakeVendor((request, response) => {
    const answer = JSON.parse(request.body) as Answer;
    if (answer.interim) response.writeProcessing();
    const bytes = Buffer.concat([
      Buffer.from(answer.bom ? [0xef, 0xbb, 0xbf] : []),
      Buffer.from(answer.text, 'utf8'),
    ]);
    response.writeHead(answer.status, { 'content-type': 'application/json' });
    let from = 0;
    for (const cut of [...answer.cuts].sort((a, b) => a - b)) {
      const at = Math.min(cut, bytes.length);
      if (at > from) response.write(bytes.subarray(from, at));
      from = Math.max(from, at);
    }
    response.end(bytes.subarray(from));
  });
  client = unauthenticatedClient(vendor, {
    requestTimeoutMs: 5_000,
    maxResponseBytes: MAX_RESPONSE_BYTES,
    observe: (_backend, _call, status) => observed.push(status),
  });
});
afterAll(async () => {
  await client.close();
  await vendor.close();
});

const send = (answer: Answer) =>
  client.send({ call: 'probe', method: 'POST', path: '/', auth: 'none', body: answer });

const pieces = {
  status: fc.constantFrom(200, 201, 204, 400, 401, 404, 500, 503),
  bom: fc.boolean(),
  cuts: fc.array(fc.nat({ max: MAX_RESPONSE_BYTES }), { maxLength: 6 }),
  interim: fc.boolean(),
};

it('gives back any JSON the vendor sends, however it is cut, with the final status', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.record({ value: fc.jsonValue({ maxDepth: 3 }), ...pieces }),
      async ({ value, ...rest }) => {
        const text = JSON.stringify(value);
        fc.pre(Buffer.byteLength(text) + 3 <= MAX_RESPONSE_BYTES && rest.status !== 204);
        // JSON.stringify turns -0 into 0: the vendor sent what it wrote.
        const sent = JSON.parse(text) as unknown;
        expect(await send({ ...rest, text })).toStrictEqual({ status: rest.status, body: sent });
      },
    ),
    { numRuns: 150 },
  );
});

it('gives back undefined for a body that is empty or not JSON', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        text: fc.oneof(
          fc.constant(''),
          fc.constant('<html>'),
          fc.string().filter((text) => {
            try {
              JSON.parse(text.replace(/^\uFEFF/, ''));
              return false;
            } catch {
              return true;
            }
          }),
        ),
        ...pieces,
      }),
      async (answer) => {
        fc.pre(Buffer.byteLength(answer.text) + 3 <= MAX_RESPONSE_BYTES && answer.status !== 204);
        // A BOM alone, or before nothing but blanks, is still no JSON.
        expect(await send(answer)).toStrictEqual({ status: answer.status, body: undefined });
      },
    ),
    { numRuns: 100 },
  );
});

it('refuses an answer over the size cap as backend_bad_response, with its status measured, and serves the next call', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.record({ extra: fc.integer({ min: 1, max: 3 * MAX_RESPONSE_BYTES }), ...pieces }),
      async ({ extra, ...rest }) => {
        fc.pre(rest.status !== 204);
        const text = JSON.stringify('x'.repeat(MAX_RESPONSE_BYTES + extra));
        await expect(send({ ...rest, text })).rejects.toMatchObject({
          code: 'backend_bad_response',
          status: 502,
        });
        // The vendor did answer: its metric has the status, not 0 (no answer).
        expect(observed.at(-1)).toBe(rest.status);
        expect(await send({ ...rest, text: '{"ok":true}' })).toStrictEqual({
          status: rest.status,
          body: { ok: true },
        });
      },
    ),
    { numRuns: 30 },
  );
});
