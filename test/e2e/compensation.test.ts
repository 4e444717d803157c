import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  compensationCount,
  NO_LIMITS,
  randomKey,
  startGateway,
  TEST_SERVER,
  writeConfigFile,
  NO_RESILIENCE,
  type TestGateway,
} from '../support/gateway.js';

/**
 * A create that fails after the vendor made the client leaves no client behind. The vendor is
 * a Nevis-shaped fake on a real port (test/fixtures/multi-call.yaml: create on v3, look the
 * entity id up on v2 and keep it in the RAT); for each step after the v3 create that can fail,
 * the gateway answers the error and the fake's store is empty again, removed by the mapping's
 * compensating calls (a fresh lookup, then the v2 delete).
 */
type Failure =
  | 'none'
  | 'lookup-500-once'
  | 'lookup-empty-once'
  | 'lookup-dropped-once'
  | 'lookup-hangs-once'
  | 'client-id-not-a-string'
  | 'entity-id-too-long-for-a-rat';

interface NevisFake {
  readonly baseUrl: string;
  /** OAuth client_id -> entity id of every client the fake holds. */
  readonly clients: Map<string, string>;
  readonly calls: string[];
  failure: Failure;
  close(): Promise<void>;
}

const SETUP = '/v2/modules/oauthv2/setups/s1/clients';

async function startNevisFake(): Promise<NevisFake> {
  const clients = new Map<string, string>();
  const calls: string[] = [];
  let lookups = 0;
  const fake: NevisFake = {
    baseUrl: '',
    clients,
    calls,
    failure: 'none',
    close: async () => undefined,
  };
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://fake');
      calls.push(`${request.method} ${url.pathname}${url.search}`);
      const json = (status: number, value?: unknown) =>
        response
          .writeHead(status, { 'content-type': 'application/json' })
          .end(value === undefined ? undefined : JSON.stringify(value));
      if (request.method === 'POST' && url.pathname === '/v3/modules/oauthv2/setups/s1/clients') {
        const clientId = randomBytes(16).toString('hex');
        const entity =
          fake.failure === 'entity-id-too-long-for-a-rat' ? 'e'.repeat(5000) : `e-${clientId}`;
        clients.set(clientId, entity);
        lookups = 0;
        const { client_name } = JSON.parse(body) as { client_name?: string };
        return json(201, {
          client_id: fake.failure === 'client-id-not-a-string' ? 42 : clientId,
          client_secret: 's3cret',
          client_id_issued_at: Date.now(),
          client_secret_expires_at: '0',
          client_name,
        });
      }
      if (request.method === 'GET' && url.pathname === SETUP) {
        const first = lookups++ === 0;
        if (first && fake.failure === 'lookup-500-once') return json(500, { error: 'boom' });
        if (first && fake.failure === 'lookup-empty-once') return json(200, { clientIds: [] });
        if (first && fake.failure === 'lookup-dropped-once') return request.socket.destroy();
        if (first && fake.failure === 'lookup-hangs-once') return undefined;
        // A numeric client_id was sent back as its decimal form; find the only client then.
        const wanted = url.searchParams.get('client_id') ?? '';
        const entity =
          clients.get(wanted) ?? (wanted === '42' ? [...clients.values()][0] : undefined);
        return json(200, { clientIds: entity === undefined ? [] : [entity] });
      }
      if (request.method === 'DELETE' && url.pathname.startsWith(`${SETUP}/`)) {
        const entity = decodeURIComponent(url.pathname.slice(SETUP.length + 1));
        for (const [clientId, held] of clients)
          if (held === entity) {
            clients.delete(clientId);
            return json(204);
          }
        return json(404, { error: 'CLIENT_NOT_FOUND' });
      }
      return json(404, { error: 'no such path' });
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return Object.assign(fake, {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  });
}

let fake: NevisFake;
let gateway: TestGateway;
let register: string;

beforeAll(async () => {
  fake = await startNevisFake();
  const file = writeConfigFile({
    server: TEST_SERVER,
    registration_tokens: { keys: [{ kid: 'k1', secret: { env: 'RAT_KEY' } }] },
    backends: {
      nevis: {
        mapping: resolve(import.meta.dirname, '../fixtures/multi-call.yaml'),
        base_url: fake.baseUrl,
        parameters: { setupId: 's1' },
        admin: { username: 'admin', password: { env: 'NEVIS_PASSWORD' } },
        timeouts: { connect_ms: 1000, request_ms: 400 },
        ...NO_RESILIENCE,
      },
    },
    routes: {
      nevis: { prefix: '/nevis', backend: 'nevis', registration: { open: true }, ...NO_LIMITS },
    },
  });
  gateway = await startGateway({ file, env: { RAT_KEY: randomKey(), NEVIS_PASSWORD: 'ninja' } });
  register = `${gateway.url}/nevis/register`;
});

afterAll(async () => {
  await gateway.close();
  await fake.close();
});

afterEach(() => {
  fake.failure = 'none';
  fake.calls.length = 0;
});

const BODY = { redirect_uris: ['https://app.example/cb'], client_name: 'Billing' };

const compensations = (outcome: 'removed' | 'failed') =>
  compensationCount(gateway, 'nevis', outcome);

describe('a create that fails after the vendor made the client', () => {
  it('succeeds and keeps the client when nothing fails', async () => {
    const response = await call('POST', register, { body: BODY });
    expect(response.status, response.text).toBe(201);
    expect(fake.clients.size).toBe(1);
    expect(fake.calls).toStrictEqual([
      'POST /v3/modules/oauthv2/setups/s1/clients',
      `GET ${SETUP}?client_id=${response.body.client_id}`,
    ]);
    fake.clients.clear();
  });

  it.each<[Failure, number, string, string]>([
    ['lookup-500-once', 503, 'temporarily_unavailable', 'the identity provider is unavailable'],
    ['lookup-empty-once', 502, 'server_error', 'the identity provider sent an unusable response'],
    ['lookup-dropped-once', 503, 'temporarily_unavailable', 'the identity provider is unavailable'],
    [
      'lookup-hangs-once',
      504,
      'temporarily_unavailable',
      'the identity provider did not answer in time',
    ],
    [
      'client-id-not-a-string',
      502,
      'server_error',
      'the identity provider sent an unusable response',
    ],
    [
      'entity-id-too-long-for-a-rat',
      502,
      'server_error',
      'the identity provider sent an unusable response',
    ],
  ])(
    '%s: answers %i and the vendor holds no client',
    async (failure, status, error, description) => {
      const before = await compensations('removed');
      fake.failure = failure;
      const response = await call('POST', register, { body: BODY });
      expect(response.status, response.text).toBe(status);
      expect(response.body).toStrictEqual({
        error,
        error_description: description,
        request_id: response.headers.get('x-request-id'),
      });
      expect(fake.clients.size).toBe(0);
      const [create, ...rest] = fake.calls;
      expect(create).toBe('POST /v3/modules/oauthv2/setups/s1/clients');
      // The compensating calls come last: a fresh lookup, then the v2 delete.
      expect(rest.at(-2)).toMatch(new RegExp(`^GET ${SETUP}\\?client_id=`));
      expect(rest.at(-1)).toMatch(new RegExp(`^DELETE ${SETUP}/e`));
      expect(await compensations('removed')).toBe(before + 1);
      expect(
        gateway.logs.some(
          (line) =>
            line.includes('removed a partially created client') &&
            line.includes('"backend":"nevis"'),
        ),
      ).toBe(true);
    },
  );

  it('counts and logs a compensation that cannot remove the client', async () => {
    const before = await compensations('failed');
    // Both lookups answer nothing: the entity to delete cannot be found.
    fake.failure = 'lookup-empty-once';
    const original = fake.clients.get.bind(fake.clients);
    fake.clients.get = () => undefined;
    try {
      const response = await call('POST', register, { body: BODY });
      expect(response.status).toBe(502);
    } finally {
      fake.clients.get = original;
    }
    expect(fake.clients.size).toBe(1);
    expect(await compensations('failed')).toBe(before + 1);
    const line = gateway.logs.find((l) => l.includes('remove it by hand'));
    expect(JSON.parse(line!)).toMatchObject({
      level: 50,
      backend: 'nevis',
      clientId: [...fake.clients.keys()][0],
    });
    fake.clients.clear();
  });
});
