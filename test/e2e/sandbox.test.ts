import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { call } from '../support/gateway.js';
import { MAIN, spawnGateway } from '../support/process.js';

/** `dcr-gateway serve` with no config: the embedded default a newcomer starts first. */
it('serves every sandbox route on loopback and prints a curl line per route that works', async () => {
  const gateway = await spawnGateway(['serve'], {});
  try {
    expect(gateway.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const printed = [
      ...gateway
        .output()
        .matchAll(/curl -s -X POST (\S+) -H 'Content-Type: application\/json' -d '([^']+)'/g),
    ];
    expect(printed.map((line) => line[1])).toStrictEqual([
      `${gateway.url}/sandbox/standard/register`,
      `${gateway.url}/sandbox/forgerock-am/register`,
      `${gateway.url}/sandbox/simpleidserver/register`,
      `${gateway.url}/sandbox/nevis/register`,
      `${gateway.url}/sandbox/ibm-verify/register`,
    ]);
    for (const [, url, body] of printed) {
      const created = await call('POST', url!, { raw: body! });
      expect(created.status, `${url} ${created.text}`).toBe(201);
      expect(created.body.client_name).toBe('My app');
      const read = await call('GET', created.body.registration_client_uri, {
        token: created.body.registration_access_token,
      });
      expect(read.status, url).toBe(200);
      expect(read.body).toStrictEqual(created.body);
    }
  } finally {
    await gateway.stop();
  }
});

it('refuses a non-loopback HOST in sandbox mode', async () => {
  const run = promisify(execFile)(process.execPath, [MAIN, 'serve'], {
    env: { HOST: '0.0.0.0', PATH: process.env.PATH },
  });
  const failure = await run.then(
    () => undefined,
    (error: { code: number; stderr: string }) => error,
  );
  expect(failure?.code).toBe(1);
  expect(failure?.stderr).toBe(
    'HOST=0.0.0.0: the sandbox allows open registration and serves loopback only; pass --config (or DCRGW_CONFIG) to serve elsewhere\n',
  );
});
