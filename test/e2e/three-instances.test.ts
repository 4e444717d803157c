import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandardBackend, type StandardBackend } from '../../src/sandbox/standard-backend.js';
import { call, standardConfig } from '../support/gateway.js';
import { spawnGateway, type GatewayProcess } from '../support/process.js';
import { REDIS_URL } from '../support/redis.js';

/**
 * Instances are stateless: three `dcr-gateway` processes on one Redis serve one client in turn,
 * with no stickiness. The update on the third invalidates the read cached by the second, so the
 * first reads the update: whether the backend rotates its RAT on update (the new gateway RAT
 * then reads past the old cache entry anyway) or keeps it (only the invalidation helps).
 */
describe.each([
  ['rotates its RAT on update', true],
  ['keeps its RAT on update', false],
])('a backend that %s', (_name, rotates) => {
  let backend: StandardBackend;
  let gateways: GatewayProcess[] = [];

  beforeAll(async () => {
    backend = await startStandardBackend({ rotateRegistrationAccessToken: rotates });
    const fixture = standardConfig({
      backends: { std: backend },
      routes: { main: { prefix: '/idp', backend: 'std' } },
      redis: REDIS_URL,
    });
    gateways = await Promise.all(
      [1, 2, 3].map(() => spawnGateway(['serve', '--config', fixture.file], fixture.env)),
    );
  }, 30_000);

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await backend.close();
  });

  it('create on the first, read on the second, update on the third, read on the first', async () => {
    const [first, second, third] = gateways as [GatewayProcess, GatewayProcess, GatewayProcess];
    const created = await call('POST', `${first.url}/idp/register`, {
      body: { redirect_uris: ['https://app.example/cb'], client_name: 'Shared' },
    });
    expect(created.status).toBe(201);
    const { client_id, registration_access_token: rat } = created.body;
    const path = `/idp/register/${encodeURIComponent(client_id)}`;
    expect(created.body.registration_client_uri).toBe(`${first.url}${path}`);

    const read = await call('GET', `${second.url}${path}`, { token: rat });
    expect(read.status).toBe(200);
    expect(read.body).toStrictEqual({
      ...created.body,
      registration_client_uri: `${second.url}${path}`,
    });

    const updated = await call('PUT', `${third.url}${path}`, {
      token: rat,
      body: { client_id, redirect_uris: ['https://app.example/cb'], client_name: 'Renamed' },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.client_name).toBe('Renamed');
    const newRat = updated.body.registration_access_token;
    if (rotates) expect(newRat).not.toBe(rat);
    else expect(newRat).toBe(rat);

    for (const instance of [first, second]) {
      const again = await call('GET', `${instance.url}${path}`, { token: newRat });
      expect(again.status).toBe(200);
      expect(again.body).toStrictEqual({
        ...updated.body,
        registration_client_uri: `${instance.url}${path}`,
      });
    }

    if (rotates) {
      // The second instance cached the first read; the retired RAT must not be served from there.
      const stale = await call('GET', `${second.url}${path}`, { token: rat });
      expect(stale.status).toBe(401);
      expect(stale.body.error).toBe('invalid_token');
    }
  });
});
