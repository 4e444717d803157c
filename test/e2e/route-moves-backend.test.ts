import { jwtDecrypt } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStandardBackend, type StandardBackend } from '../../src/sandbox/standard-backend.js';
import { call, randomKey, standardConfig, startGateway } from '../support/gateway.js';

/**
 * A platform team points a route at a new IdP and keeps the old backend configured: new
 * registrations go to the new IdP, and clients registered earlier stay manageable through their
 * RATs, which name the backend that holds them.
 */
let oldIdp: StandardBackend;
let newIdp: StandardBackend;
const key = randomKey();

beforeAll(async () => {
  [oldIdp, newIdp] = await Promise.all([startStandardBackend(), startStandardBackend()]);
});

afterAll(async () => {
  await Promise.all([oldIdp.close(), newIdp.close()]);
});

async function holder(
  rat: string,
): Promise<{ backend: string; vendorUri: string; vendorRat: string }> {
  const { payload } = await jwtDecrypt(rat, Buffer.from(key, 'base64url'));
  const { be, st } = payload as { be: string; st: Record<string, string> };
  return {
    backend: be,
    vendorUri: st.registration_client_uri!,
    vendorRat: st.registration_access_token!,
  };
}

it('keeps clients of the old backend manageable after the route moves', async () => {
  const before = await startGateway(
    standardConfig({
      key,
      backends: { old: oldIdp },
      routes: { main: { prefix: '/idp', backend: 'old' } },
    }),
  );
  const earlier = (
    await call('POST', `${before.url}/idp/register`, {
      body: { redirect_uris: ['https://app.example/old'] },
    })
  ).body;
  await before.close();

  const after = await startGateway(
    standardConfig({
      key,
      backends: { old: oldIdp, new: newIdp },
      routes: { main: { prefix: '/idp', backend: 'new' } },
    }),
  );
  try {
    const uri = (clientId: string) => `${after.url}/idp/register/${encodeURIComponent(clientId)}`;
    const later = (
      await call('POST', `${after.url}/idp/register`, {
        body: { redirect_uris: ['https://app.example/new'] },
      })
    ).body;

    // Each client lives where its RAT says, and really exists in that IdP.
    for (const [client, idp, name] of [
      [earlier, oldIdp, 'old'],
      [later, newIdp, 'new'],
    ] as const) {
      const where = await holder(client.registration_access_token);
      expect(where.backend).toBe(name);
      expect(where.vendorUri.startsWith(`${idp.baseUrl}/reg/`)).toBe(true);
      const direct = await call('GET', where.vendorUri, { token: where.vendorRat });
      expect(direct.status).toBe(200);
      expect(direct.body.client_id).toBe(client.client_id);
    }

    const read = await call('GET', uri(earlier.client_id), {
      token: earlier.registration_access_token,
    });
    expect(read.status).toBe(200);
    expect(read.body.redirect_uris).toStrictEqual(['https://app.example/old']);

    const updated = await call('PUT', uri(earlier.client_id), {
      token: earlier.registration_access_token,
      body: { client_id: earlier.client_id, redirect_uris: ['https://app.example/old-2'] },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.redirect_uris).toStrictEqual(['https://app.example/old-2']);
    expect((await holder(updated.body.registration_access_token)).backend).toBe('old');

    const deleted = await call('DELETE', uri(earlier.client_id), {
      token: updated.body.registration_access_token,
    });
    expect(deleted.status).toBe(204);
  } finally {
    await after.close();
  }
});
