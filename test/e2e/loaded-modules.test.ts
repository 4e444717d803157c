import { resolve } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { asBackend } from '../support/fake-vendor.js';
import { standardConfig } from '../support/gateway.js';
import { spawnGateway, type GatewayProcess } from '../support/process.js';

/**
 * Heavy modules load only where they are used: the sandbox's oidc-provider is loaded by
 * `dcr-gateway serve` without a config, never by a configured gateway. Checked on the real
 * binary, every resolved module traced.
 */
const TRACE = `--import=${resolve(import.meta.dirname, '../support/trace-modules.mjs')}`;
const loadsOidcProvider = (gateway: GatewayProcess) =>
  /LOADED file:\S*\/node_modules\/oidc-provider\//.test(gateway.output());

const running: GatewayProcess[] = [];
afterEach(async () => {
  for (const gateway of running.splice(0)) await gateway.stop();
});

it('a configured gateway does not load oidc-provider', async () => {
  // Never called: the gateway starts without reaching its backends.
  const fixture = standardConfig({
    backends: { idp: asBackend('http://127.0.0.1:9') },
    routes: { main: { prefix: '/idp', backend: 'idp' } },
  });
  const gateway = await spawnGateway(['serve', '--config', fixture.file], {
    ...fixture.env,
    NODE_OPTIONS: TRACE,
  });
  running.push(gateway);
  expect(gateway.output()).toMatch(/LOADED file:\S*\/node_modules\/fastify\//); // traced
  expect(loadsOidcProvider(gateway)).toBe(false);
});

it('the sandbox (no config) does load it, for its standard backend', async () => {
  const gateway = await spawnGateway(['serve'], { NODE_OPTIONS: TRACE });
  running.push(gateway);
  expect(loadsOidcProvider(gateway)).toBe(true);
});
