import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startStandardSetup,
  TEST_SERVER,
  type StandardSetup,
  type TestGateway,
} from '../support/gateway.js';

const TRUSTED = ['dcr.example', 'api.dcr.example:8443', '127.0.0.1:*', '[::1]:*'];

/** The rule, written independently of the code: exact `host[:port]`, or a `:*` entry's name with any port or none. */
function trusted(host: string): boolean {
  const lower = host.toLowerCase();
  if (TRUSTED.includes(lower)) return true;
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(:\d{1,5})?$/.exec(lower);
  return match !== null && TRUSTED.includes(`${match[1]}:*`);
}

/** Host values an attacker might send: near-misses of the trusted ones and free-form junk. */
const hostHeader = fc.oneof(
  fc.constantFrom(...TRUSTED.map((host) => host.replace(':*', ':8080'))),
  fc
    .tuple(
      fc.constantFrom(
        'dcr.example',
        'DCR.Example',
        'api.dcr.example',
        '127.0.0.1',
        '[::1]',
        'evil.example',
      ),
      fc.constantFrom(
        '',
        ':443',
        ':8443',
        ':1',
        ':65535',
        '/#',
        '#',
        '?x',
        '@evil.example',
        '.evil.example',
        ':8443/x',
        ' ',
        '.',
      ),
      fc.constantFrom('', 'x', '/', ':80'),
    )
    .map((parts) => parts.join('')),
  fc.string({ unit: fc.constantFrom(...'ad.e:[]/#@?1x9 %'.split('')), maxLength: 20 }),
);

let setup: StandardSetup;
let gateway: TestGateway;

beforeAll(async () => {
  setup = await startStandardSetup({
    extra: { server: { ...TEST_SERVER, trusted_hosts: TRUSTED } },
  });
  gateway = setup.gateway;
});
afterAll(() => setup?.close());

/** How many registrations reached the vendor, from the gateway's own metrics. */
async function vendorRegistrations(): Promise<number> {
  const metrics = await gateway.app.inject({ method: 'GET', url: '/metrics' });
  const line = metrics.body
    .split('\n')
    .find((text) =>
      text.startsWith('dcrgw_backend_request_duration_seconds_count{backend="std",call="register"'),
    );
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

describe('URIs are built only from a trusted Host', () => {
  it('a trusted Host is the base of registration_client_uri; any other gets 421 before any vendor call', async () => {
    await fc.assert(
      fc.asyncProperty(hostHeader, async (host) => {
        const before = await vendorRegistrations();
        const response = await gateway.app.inject({
          method: 'POST',
          url: '/idp/register',
          headers: { host, 'content-type': 'application/json' },
          payload: { redirect_uris: ['https://app.example/cb'] },
        });
        if (trusted(host)) {
          expect(response.statusCode).toBe(201);
          const client = response.json() as { client_id: string; registration_client_uri: string };
          expect(client.registration_client_uri).toBe(
            `http://${host.toLowerCase()}/idp/register/${client.client_id}`,
          );
        } else {
          expect(response.statusCode).toBe(421);
          expect(response.headers['cache-control']).toBe('no-store');
          expect(response.json()).toStrictEqual({
            error: 'invalid_request',
            error_description: 'this gateway does not serve the requested host',
            request_id: response.headers['x-request-id'],
          });
          expect(await vendorRegistrations()).toBe(before);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('management requests check the Host the same way', async () => {
    const created = await gateway.app.inject({
      method: 'POST',
      url: '/idp/register',
      headers: { host: 'dcr.example', 'content-type': 'application/json' },
      payload: { redirect_uris: ['https://app.example/cb'] },
    });
    const { client_id, registration_access_token } = created.json() as Record<string, string>;
    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      const response = await gateway.app.inject({
        method,
        url: `/idp/register/${client_id}`,
        headers: { host: 'dcr.example:9999', authorization: `Bearer ${registration_access_token}` },
      });
      expect([method, response.statusCode]).toStrictEqual([method, 421]);
    }
    const read = await gateway.app.inject({
      method: 'GET',
      url: `/idp/register/${client_id}`,
      headers: {
        host: 'api.dcr.example:8443',
        authorization: `Bearer ${registration_access_token}`,
      },
    });
    expect(read.json()).toMatchObject({
      registration_client_uri: `http://api.dcr.example:8443/idp/register/${client_id}`,
    });
  });
});
