import { expect, it, vi } from 'vitest';
import {
  createAdminAuthorizer,
  refusesToken,
  TOKEN_COOLDOWN_MS,
} from '../../src/backends/admin-auth.js';

type Exchange = Parameters<typeof createAdminAuthorizer>[2];

/** A caller with all the time in the world. */
const NEVER = new AbortController().signal;

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
  const values = await Promise.all([authorize(NEVER), authorize(NEVER), authorize(NEVER)]);
  expect(values).toStrictEqual(['Bearer AT1', 'Bearer AT1', 'Bearer AT1']);
  expect(await authorize(NEVER)).toBe('Bearer AT1');
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
  expect(await authorize(NEVER)).toBe('Bearer AT1');
  expect(await authorize(NEVER)).toBe('Bearer AT2');
  expect(endpoint.seen[0]!.form).toBe(
    'grant_type=client_credentials&scope=manage&client_id=admin+client&client_secret=s%3Acret',
  );
  expect(endpoint.seen[0]!.headers).toStrictEqual({});
});

it('turns a refused token request into 503, repeated without asking again until the cooldown ends', async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  try {
    const endpoint = tokenEndpoint([
      { status: 401, body: { error: 'invalid_client' } },
      { status: 200, body: { access_token: 'AT3', expires_in: 3600 } },
    ]);
    const authorize = createAdminAuthorizer(scheme, credentials, endpoint.exchange);
    for (let attempt = 0; attempt < 3; attempt++)
      await expect(authorize(NEVER)).rejects.toMatchObject({
        code: 'backend_unavailable',
        status: 503,
      });
    expect(endpoint.seen).toHaveLength(1);
    vi.advanceTimersByTime(TOKEN_COOLDOWN_MS);
    expect(await authorize(NEVER)).toBe('Bearer AT3');
    expect(endpoint.seen).toHaveLength(2);
  } finally {
    vi.useRealTimers();
  }
});

it('forgets a token the vendor refused, once for every caller that saw it refused', async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  try {
    const endpoint = tokenEndpoint([
      { status: 200, body: { access_token: 'AT6', expires_in: 3600 } },
      { status: 200, body: { access_token: 'AT7', expires_in: 3600 } },
    ]);
    const authorize = createAdminAuthorizer(scheme, credentials, endpoint.exchange);
    expect(await authorize(NEVER)).toBe('Bearer AT6');
    // Just issued and already refused: a new token would be refused too (scope, entitlement).
    expect(authorize.refused('Bearer AT6')).toBe(false);
    expect(await authorize(NEVER)).toBe('Bearer AT6');

    vi.advanceTimersByTime(TOKEN_COOLDOWN_MS);
    expect([authorize.refused('Bearer AT6'), authorize.refused('Bearer AT6')]).toStrictEqual([
      true,
      true,
    ]);
    const renewed = await Promise.all([authorize(NEVER), authorize(NEVER)]);
    expect(renewed).toStrictEqual(['Bearer AT7', 'Bearer AT7']);
    expect(endpoint.seen).toHaveLength(2);
  } finally {
    vi.useRealTimers();
  }
});

it('builds static bearer and basic values, and none for open backends', async () => {
  const never: Exchange = async () => {
    throw new Error('no token request expected');
  };
  expect(
    await createAdminAuthorizer({ kind: 'bearer', optional: false }, { token: 't' }, never)(NEVER),
  ).toBe('Bearer t');
  expect(
    await createAdminAuthorizer({ kind: 'bearer', optional: true }, {}, never)(NEVER),
  ).toBeUndefined();
  expect(
    await createAdminAuthorizer(
      { kind: 'basic' },
      { username: 'admin', password: 'ninja' },
      never,
    )(NEVER),
  ).toBe(`Basic ${Buffer.from('admin:ninja').toString('base64')}`);
  expect(await createAdminAuthorizer({ kind: 'none' }, {}, never)(NEVER)).toBeUndefined();
  // A fixed credential cannot be renewed: a call it failed is not tried again.
  expect(
    createAdminAuthorizer({ kind: 'bearer', optional: false }, { token: 't' }, never).refused(
      'Bearer t',
    ),
  ).toBe(false);
});

it('lets a caller stop waiting at its own deadline without cancelling the shared token request', async () => {
  const seen: string[] = [];
  let answer: (value: { status: number; body: unknown }) => void = () => undefined;
  const exchange: Exchange = (path) => {
    seen.push(path);
    return new Promise((resolve) => (answer = resolve));
  };
  const authorize = createAdminAuthorizer(scheme, credentials, exchange);
  const impatient = new AbortController();
  const first = authorize(impatient.signal);
  const second = authorize(NEVER);
  const reason = new Error('deadline of the first caller');
  impatient.abort(reason);
  await expect(first).rejects.toBe(reason);

  answer({ status: 200, body: { access_token: 'AT4', expires_in: 3600 } });
  expect(await second).toBe('Bearer AT4');
  expect(await authorize(NEVER)).toBe('Bearer AT4');
  expect(seen).toStrictEqual(['/oauth2/token']);
});

it('refuses at once a caller whose deadline has passed; the token request it started serves the next', async () => {
  const endpoint = tokenEndpoint([
    { status: 200, body: { access_token: 'AT5', expires_in: 3600 } },
  ]);
  const authorize = createAdminAuthorizer(scheme, credentials, endpoint.exchange);
  const late = new AbortController();
  late.abort(new Error('late'));
  await expect(authorize(late.signal)).rejects.toThrow('late');
  // The shared request it started still completes and serves the next caller.
  expect(await authorize(NEVER)).toBe('Bearer AT5');
  expect(endpoint.seen).toHaveLength(1);
});

it('tells a refused admin token by the statuses and error values the mapping declares', () => {
  const byDefault = refusesToken(scheme);
  expect([401, 400, 403].map((status) => byDefault({ status, body: undefined }))).toStrictEqual([
    true,
    false,
    false,
  ]);
  const declared = refusesToken({
    ...scheme,
    refused: [{ status: [401] }, { status: [400], error: ['access_denied', 'invalid_request'] }],
  });
  const answers = [
    { status: 401, body: undefined },
    { status: 400, body: { error: 'access_denied' } },
    { status: 400, body: { error: 'invalid_request' } },
    { status: 400, body: { error: 'request_denied' } },
    { status: 400, body: 'access_denied' },
    { status: 403, body: { error: 'access_denied' } },
  ];
  expect(answers.map(declared)).toStrictEqual([true, true, true, false, false, false]);
  // A fixed credential has nothing to renew; its 401s are the mapping's to map.
  expect(refusesToken({ kind: 'basic' })({ status: 401, body: undefined })).toBe(true);
});
