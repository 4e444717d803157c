import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call, startStandardSetup, type StandardSetup } from '../support/gateway.js';
import { sendRaw, type RawResponse } from '../support/raw-http.js';

/**
 * What fastify's router and Node's HTTP parser refuse (a path parameter over the router's
 * limit, broken percent-encoding, oversized headers, malformed HTTP) is answered like every
 * other error: the gateway's body and request id, no-store, and never an echo of the input.
 */
let setup: StandardSetup;
beforeAll(async () => {
  setup = await startStandardSetup();
});
afterAll(() => setup.close());

interface Answer {
  readonly status: number;
  readonly header: (name: string) => string | null | undefined;
  readonly body: unknown;
  readonly text: string;
}

function expectGatewayError(answer: Answer, status: number, description: string) {
  expect(answer.status).toBe(status);
  expect(answer.header('content-type')).toBe('application/json; charset=utf-8');
  expect(answer.header('cache-control')).toBe('no-store');
  expect(answer.header('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  expect(answer.body).toStrictEqual({
    error: 'invalid_request',
    error_description: description,
    request_id: answer.header('x-request-id'),
  });
}

const fromFetch = (response: Awaited<ReturnType<typeof call>>): Answer => ({
  status: response.status,
  header: (name) => response.headers.get(name),
  body: response.body,
  text: response.text,
});

const fromRaw = (response: RawResponse | undefined): Answer => ({
  status: response?.status ?? 0,
  header: (name) => response?.headers[name],
  body: response?.body,
  text: JSON.stringify(response?.body),
});

const method = fc.constantFrom('GET', 'PUT', 'DELETE');

it('answers a client id over the router limit with 414 in the gateway format, without echoing it', async () => {
  await fc.assert(
    fc.asyncProperty(
      method,
      fc.stringMatching(/^[A-Za-z0-9_-]{101,6000}$/),
      async (verb, clientId) => {
        const answer = fromFetch(await call(verb, `${setup.register}/${clientId}`, { token: 'x' }));
        expectGatewayError(answer, 414, 'the request path is too long');
        expect(answer.text).not.toContain(clientId.slice(0, 101));
      },
    ),
    { numRuns: 30 },
  );
});

it('answers broken percent-encoding in a path with 400 in the gateway format, without echoing it', async () => {
  await fc.assert(
    fc.asyncProperty(
      method,
      fc.stringMatching(/^[a-z0-9]{4,20}$/),
      fc.constantFrom('%', '%z', '%zz', '%g0', '%c3%28', '%ff', '%e2%82'),
      async (verb, marker, broken) => {
        const answer = fromFetch(
          await call(verb, `${setup.register}/${marker}${broken}`, { token: 'x' }),
        );
        expectGatewayError(answer, 400, 'the request path is not valid percent-encoding');
        expect(answer.text).not.toContain(marker);
      },
    ),
    { numRuns: 30 },
  );
});

it('answers headers over the size limit with 431 in the gateway format and closes', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 17_000, max: 60_000 }),
      fc.constantFrom('x-filler', 'cookie', 'authorization'),
      async (size, name) => {
        const answer = await sendRaw(
          setup.gateway.url,
          `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n${name}: ${'a'.repeat(size)}\r\n\r\n`,
        );
        expectGatewayError(fromRaw(answer), 431, 'the request headers are too large');
        expect(answer?.headers.connection).toBe('close');
      },
    ),
    { numRuns: 15 },
  );
});

it('answers an HTTP/1.1 request without Host with 400 in the gateway format', async () => {
  for (const path of ['/healthz', '/idp/register', '/nowhere']) {
    const answer = await sendRaw(setup.gateway.url, `GET ${path} HTTP/1.1\r\n\r\n`);
    expectGatewayError(fromRaw(answer), 400, 'the request has no Host header');
  }
});

it('answers malformed HTTP with 400 in the gateway format and closes', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(
        'GET / HTTP/1.1\r\nHost\r\n\r\n',
        'GET /\u0001 HTTP/1.1\r\nHost: a\r\n\r\n',
        'GET / HTTP/9.9\r\nHost: a\r\n\r\n',
        'POST /idp/register HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
        'POST /idp/register HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
        'GET / HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n',
      ),
      async (request) => {
        const answer = await sendRaw(setup.gateway.url, request);
        expectGatewayError(fromRaw(answer), 400, 'the request is not valid HTTP');
        expect(answer?.headers.connection).toBe('close');
      },
    ),
    { numRuns: 20 },
  );
});
