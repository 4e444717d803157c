import { Writable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadGateway } from '../../src/assemble.js';
import { createLogger } from '../../src/http/index.js';
import { json, startFakeVendor, type FakeVendor } from '../support/fake-vendor.js';
import { call, startGatewayFor, vendorConfig, type TestGateway } from '../support/gateway.js';

/**
 * A failing backend under load must not flood the logs: each request writes exactly one line
 * (at warn with its error code when it failed with a 5xx; with the time spent in vendor
 * calls), stacks appear only for the gateway's own bugs, and the failures are summed up in one
 * error line per interval.
 */
const OUTCOMES = {
  created: { status: 201, code: undefined },
  refused: { status: 400, code: 'invalid_client_metadata' },
  down: { status: 503, code: 'backend_unavailable' },
  failing: { status: 503, code: 'backend_unavailable' },
  hanging: { status: 504, code: 'backend_timeout' },
  garbage: { status: 502, code: 'backend_bad_response' },
} as const;
type Outcome = keyof typeof OUTCOMES;

let vendor: FakeVendor;
let gateway: TestGateway;
let created = 0;

beforeAll(async () => {
  vendor = await startFakeVendor((request, response, baseUrl) => {
    const body = JSON.parse(request.body || '{}') as Record<string, unknown>;
    const outcome = body.client_name as Outcome;
    if (outcome === 'down') response.socket?.destroy();
    else if (outcome === 'failing') json(response, 500, { stack: 'vendor internals' });
    else if (outcome === 'garbage') response.writeHead(201).end('<html>');
    else if (outcome === 'created') {
      const id = `c${++created}`;
      json(response, 201, {
        ...body,
        client_id: id,
        registration_access_token: 'vendor-rat',
        registration_client_uri: `${baseUrl}/reg/${id}`,
      });
    } // hanging: never answers
  });
  gateway = await startGatewayFor(vendor.baseUrl, { timeouts: { request_ms: 300 } });
});
afterAll(async () => {
  await gateway?.close();
  await vendor?.close();
});

const register = (outcome: Outcome) =>
  call('POST', `${gateway.url}/idp/register`, {
    body: {
      redirect_uris: ['https://app.example/cb'],
      client_name: outcome,
      ...(outcome === 'refused' ? { grant_types: ['password'] } : {}),
    },
  });

const parsed = (lines: readonly string[]) =>
  lines.map((line) => JSON.parse(line) as Record<string, unknown>);

it('writes one line per request, at warn with the code for a 5xx, and never a stack', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.constantFrom(...(Object.keys(OUTCOMES) as Outcome[])), {
        minLength: 1,
        maxLength: 12,
      }),
      async (outcomes) => {
        const before = gateway.logs.length;
        const responses = await Promise.all(outcomes.map(register));
        const lines = parsed(gateway.logs.slice(before));
        expect(gateway.logs.slice(before).join('\n')).not.toContain('"stack"');
        // A 201 that cannot be read may still have created a client: that is reported too.
        const orphans = outcomes.filter((outcome) => outcome === 'garbage').length;
        expect(lines).toHaveLength(outcomes.length + orphans);
        expect(
          lines.filter(
            (line) => line.msg === 'could not delete a partially created client; remove it by hand',
          ),
        ).toHaveLength(orphans);
        outcomes.forEach((outcome, index) => {
          const response = responses[index]!;
          const { status, code } = OUTCOMES[outcome];
          expect(response.status).toBe(status);
          const mine = lines.filter(
            (line) =>
              line.reqId === response.headers.get('x-request-id') &&
              line.msg === 'request completed',
          );
          expect(mine).toHaveLength(1);
          expect(mine[0]).toMatchObject({
            level: status >= 500 ? 40 : 30,
            msg: 'request completed',
            statusCode: status,
            url: '/idp/register',
          });
          expect(mine[0]!.code).toBe(code);
          // The share of the response time spent in vendor calls: none for a request refused
          // before any, at least the deadline for one the vendor never answered.
          const { backendTime, responseTime } = mine[0] as Record<string, number>;
          expect(backendTime).toBeLessThanOrEqual(responseTime!);
          if (outcome === 'refused') expect(backendTime).toBe(0);
          else expect(backendTime).toBeGreaterThan(0);
          // (Node's timers may fire up to a millisecond early by the performance clock.)
          if (outcome === 'hanging') expect(backendTime).toBeGreaterThanOrEqual(299);
        });
      },
    ),
    { numRuns: 25 },
  );
});

it('sums the failures up in one error line when the interval ends', async () => {
  const fixture = vendorConfig('http://127.0.0.1:9');
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const app = await buildApp(loadGateway(fixture.file, fixture.env), {
    logger: createLogger('info', sink),
  });
  app.get('/bug', async () => {
    throw new TypeError('a bug of our own');
  });
  const inject = (url: string, payload?: object) =>
    payload === undefined
      ? app.inject({ method: 'GET', url, headers: { host: '127.0.0.1:1' } })
      : app.inject({ method: 'POST', url, headers: { host: '127.0.0.1:1' }, payload });
  for (let index = 0; index < 40; index++)
    expect(
      (await inject('/idp/register', { redirect_uris: ['https://a.example/cb'] })).statusCode,
    ).toBe(503);
  const bug = await inject('/bug');
  expect(bug.statusCode).toBe(500);
  expect(bug.json()).toStrictEqual({
    error: 'server_error',
    error_description: 'internal error',
    request_id: bug.headers['x-request-id'],
  });
  await app.close();

  const lines = parsed(logs);
  const errors = lines.filter((line) => line.level === 50);
  expect(errors).toHaveLength(2);
  expect(errors[0]).toMatchObject({ reqId: bug.headers['x-request-id'], msg: 'unexpected error' });
  expect((errors[0]!.err as { stack: string }).stack).toContain('a bug of our own');
  expect(errors[1]).toMatchObject({
    msg: expect.stringMatching(/^41 requests failed in the last \d+ s$/),
    failures: { backend_unavailable: 40, server_error: 1 },
  });
  expect(lines.filter((line) => line.level === 40)).toHaveLength(41);
  expect(logs.filter((line) => line.includes('"stack"'))).toHaveLength(1);
});
