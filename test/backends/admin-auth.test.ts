import { expect, it } from 'vitest';
import { createAdminAuthorizer } from '../../src/backends/admin-auth.js';

type Exchange = Parameters<typeof createAdminAuthorizer>[2];

/** A token endpoint double that counts requests and answers what the test says. */
function tokenEndpoint(answers: { status: number; body: unknown }[]) {
  const seen: { path: string; form: string; headers: Record<string, string> }[] = [];
  const exchange: Exchange = async (path, form, headers) => {
    seen.push({ path, form, headers });
    await new Promise((resolve) => setTimeout(resolve, 10));
    return answers.shift() ?? { status: 500, body: undefined };
  };
  return { seen, exchange };
}

const scheme = {
  kind: 'client_credentials' as const,
  token_path: '/oauth2/token',
  scope: 'manage',
  client_auth: 'client_secret_basic' as const,
};
const credentials = { clientId: 'admin client', clientSecret: 's:cret' };

it('fetches a client-credentials token once for concurrent callers and reuses it', async () => {
  const endpoint = tokenEndpoint([
    { status: 200, body: { access_token: 'AT1', expires_in: 3600 } },
  ]);
  const authorize = createAdminAuthorizer(scheme, credentials, endpoint.exchange);
  const values = await Promise.all([authorize(), authorize(), authorize()]);
  expect(values).toStrictEqual(['Bearer AT1', 'Bearer AT1', 'Bearer AT1']);
  expect(await authorize()).toBe('Bearer AT1');
  expect(endpoint.seen).toStrictEqual([
    {
      path: '/oauth2/token',
      form: 'grant_type=client_credentials&scope=manage',
      headers: {
        authorization: `Basic ${Buffer.from('admin%20client:s%3Acret').toString('base64')}`,
      },
    },
  ]);
});

it('refreshes a token that is about to expire, and sends post credentials in the form', async () => {
  const endpoint = tokenEndpoint([
    { status: 200, body: { access_token: 'AT1', expires_in: 10 } }, // inside the 30 s margin
    { status: 200, body: { access_token: 'AT2', expires_in: 3600 } },
  ]);
  const authorize = createAdminAuthorizer(
    { ...scheme, client_auth: 'client_secret_post' },
    credentials,
    endpoint.exchange,
  );
  expect(await authorize()).toBe('Bearer AT1');
  expect(await authorize()).toBe('Bearer AT2');
  expect(endpoint.seen[0]!.form).toBe(
    'grant_type=client_credentials&scope=manage&client_id=admin+client&client_secret=s%3Acret',
  );
  expect(endpoint.seen[0]!.headers).toStrictEqual({});
});

it('turns a refused token request into 503 and tries again on the next call', async () => {
  const endpoint = tokenEndpoint([
    { status: 401, body: { error: 'invalid_client' } },
    { status: 200, body: { access_token: 'AT3', expires_in: 3600 } },
  ]);
  const authorize = createAdminAuthorizer(scheme, credentials, endpoint.exchange);
  await expect(authorize()).rejects.toMatchObject({ code: 'backend_unavailable', status: 503 });
  expect(await authorize()).toBe('Bearer AT3');
});

it('builds static bearer and basic values, and none for open backends', async () => {
  const never: Exchange = async () => {
    throw new Error('no token request expected');
  };
  expect(
    await createAdminAuthorizer({ kind: 'bearer', optional: false }, { token: 't' }, never)(),
  ).toBe('Bearer t');
  expect(
    await createAdminAuthorizer({ kind: 'bearer', optional: true }, {}, never)(),
  ).toBeUndefined();
  expect(
    await createAdminAuthorizer(
      { kind: 'basic' },
      { username: 'admin', password: 'ninja' },
      never,
    )(),
  ).toBe(`Basic ${Buffer.from('admin:ninja').toString('base64')}`);
  expect(await createAdminAuthorizer({ kind: 'none' }, {}, never)()).toBeUndefined();
});
