import type { ServerResponse } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { BackendClient } from '../../src/backends/index.js';
import {
  json,
  startFakeVendor,
  unauthenticatedClient,
  type FakeVendor,
} from '../support/fake-vendor.js';

/**
 * The real client (undici, sockets, body reads) against generated vendor behaviour, several
 * calls at once: vendors that hang, drip their headers or their body forever, or finish well
 * inside the deadline, quickly or a chunk at a time. Every call ends, as the answer when the
 * vendor finished and as `backend_timeout` otherwise, and no connection to the vendor stays
 * open afterwards. Scripts stay far from the deadline so the outcome never depends on the load
 * of the machine; the e2e suite bounds the latency.
 */
const DEADLINE_MS = 400;

type Script =
  | { readonly kind: 'hang' }
  | { readonly kind: 'drip-headers' | 'drip-body'; readonly every: number }
  | { readonly kind: 'chunked'; readonly every: number; readonly chunks: number }
  | { readonly kind: 'quick' };

const script: fc.Arbitrary<Script> = fc.oneof(
  fc.constant({ kind: 'hang' as const }),
  fc.record({
    kind: fc.constantFrom('drip-headers' as const, 'drip-body' as const),
    every: fc.integer({ min: 5, max: 120 }),
  }),
  fc.record({
    kind: fc.constant('chunked' as const),
    every: fc.integer({ min: 1, max: 20 }),
    chunks: fc.integer({ min: 1, max: 5 }),
  }),
  fc.constant({ kind: 'quick' as const }),
);

const finishes = (s: Script) => s.kind === 'chunked' || s.kind === 'quick';

/** Writes `write` every `every` ms until the connection closes. */
function every(response: ServerResponse, ms: number, write: () => void): void {
  const timer = setInterval(write, ms);
  response.on('close', () => clearInterval(timer));
}

function perform(s: Script, response: ServerResponse): void {
  switch (s.kind) {
    case 'hang':
      return;
    case 'quick':
      return json(response, 200, { done: true });
    case 'drip-headers': {
      // Raw bytes: a status line, then a header that never ends.
      const socket = response.socket!;
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-slow: ');
      return every(response, s.every, () => socket.write('a'));
    }
    case 'drip-body':
      response.writeHead(200, { 'content-type': 'application/json' }).write('[');
      return every(response, s.every, () => response.write(' '));
    case 'chunked': {
      response.writeHead(200, { 'content-type': 'application/json' }).write('[');
      let left = s.chunks;
      return every(response, s.every, () => {
        left--;
        response.write(left === 0 ? '0]' : '0,');
        if (left === 0) response.end();
      });
    }
  }
}

let vendor: FakeVendor;
let client: BackendClient;
beforeAll(async () => {
  vendor = await startFakeVendor((request, response) =>
    perform(JSON.parse(request.body) as Script, response),
  );
  client = unauthenticatedClient(vendor, {
    requestTimeoutMs: DEADLINE_MS,
    maxResponseBytes: 10_000,
  });
});
afterAll(async () => {
  await client.close();
  await vendor.close();
});

const expected = (s: Script) => {
  if (s.kind === 'quick') return { status: 200, body: { done: true } };
  if (s.kind === 'chunked') return { status: 200, body: Array.from({ length: s.chunks }, () => 0) };
  return { code: 'backend_timeout', status: 504 };
};

it('ends every call with the answer or backend_timeout, and leaves no vendor connection open', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(script, { minLength: 1, maxLength: 6 }), async (scripts) => {
      const results = await Promise.allSettled(
        scripts.map((s) =>
          client.send({ call: 'probe', method: 'POST', path: '/probe', auth: 'none', body: s }),
        ),
      );
      results.forEach((result, index) => {
        const s = scripts[index]!;
        if (finishes(s)) expect(result).toStrictEqual({ status: 'fulfilled', value: expected(s) });
        else expect(result).toMatchObject({ status: 'rejected', reason: expected(s) });
      });
      await vi.waitFor(() => expect(vendor.traffic.open).toBe(0));
    }),
    { numRuns: 15 },
  );
});
