import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStandardSetup, type StandardSetup } from '../support/gateway.js';

/** `/openapi.json` on a real port describes the routes the gateway was configured with. */
const PACKAGE = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
) as { version: string };

let setup: StandardSetup;
beforeAll(async () => {
  setup = await startStandardSetup({
    registration: { initial_access_tokens: [{ sha256: 'a'.repeat(64) }] },
  });
});
afterAll(() => setup?.close());

it('serves the OpenAPI 3.1 document of the configured routes', async () => {
  const response = await fetch(`${setup.gateway.url}/openapi.json`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  const document = (await response.json()) as {
    openapi: string;
    info: { version: string };
    paths: Record<string, Record<string, { security?: unknown; operationId?: string }>>;
  };
  expect(document.openapi).toBe('3.1.0');
  expect(document.info.version).toBe(PACKAGE.version);
  expect(Object.keys(document.paths)).toStrictEqual([
    '/idp/register',
    '/idp/register/{client_id}',
    '/healthz',
    '/readyz',
    '/openapi.json',
  ]);
  expect(document.paths['/idp/register']!.post!.security).toStrictEqual([
    { initialAccessToken: [] },
  ]);
  expect(document.paths['/idp/register/{client_id}']!.put!.security).toStrictEqual([
    { registrationAccessToken: [] },
  ]);
});
