import { readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import {
  asBackend,
  hang,
  json,
  startFakeVendor,
  type FakeVendor,
  type VendorAnswer,
} from '../support/fake-vendor.js';
import {
  call,
  standardConfig,
  TEST_SERVER,
  writeConfigFile,
  type CallResult,
  type ConfigFixture,
} from '../support/gateway.js';
import { spawnGateway, type GatewayProcess } from '../support/process.js';
import { openSocket, readResponse, sendRaw } from '../support/raw-http.js';

/**
 * The gateway's lifecycle as an orchestrator drives it, on the real binary: SIGTERM drains
 * (no new connections, requests in flight finish within `server.shutdown_grace_ms`), SIGHUP
 * reloads the config file, or refuses to and keeps serving the one it has.
 */
const VENDOR_DELAY_MS = 1_000;
/** Past a bound: for the process to close its app and exit, on a shared 2-core box. */
const EXIT_MARGIN_MS = 1_500;
const M = { redirect_uris: ['https://app.example/cb'] };

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A vendor that registers `c1`, `c2`, ... after `ms`. */
const answerAfter =
  (ms: number): VendorAnswer =>
  (_request, response, baseUrl) => {
    const clientId = `c${++registered}`;
    setTimeout(
      () =>
        json(response, 201, {
          client_id: clientId,
          registration_access_token: 'vendor-rat',
          registration_client_uri: `${baseUrl}/reg/${clientId}`,
        }),
      ms,
    );
  };
let registered = 0;

interface Setup {
  readonly vendor: FakeVendor;
  readonly gateway: GatewayProcess;
  readonly fixture: ConfigFixture;
}

/** A vendor and the gateway binary routing `/idp` to it, with `server` settings added. */
async function setup(answer: VendorAnswer, server: Record<string, unknown> = {}): Promise<Setup> {
  registered = 0;
  const vendor = await startFakeVendor(answer);
  cleanup.push(() => vendor.close());
  const fixture = standardConfig({
    backends: { fake: asBackend(vendor.baseUrl) },
    routes: { main: { prefix: '/idp', backend: 'fake' } },
    extra: { server: { ...TEST_SERVER, ...server } },
  });
  const gateway = await spawnGateway(['serve', '--config', fixture.file], fixture.env);
  cleanup.push(() => gateway.stop());
  return { vendor, gateway, fixture };
}

const register = (gateway: GatewayProcess, prefix = '/idp'): Promise<CallResult> =>
  call('POST', `${gateway.url}${prefix}/register`, { body: M });

/** The gateway's answer to a registration the vendor took as `clientId`. */
function expectRegistered(
  response: CallResult,
  gateway: GatewayProcess,
  prefix: string,
  clientId: string,
): void {
  expect(response.status).toBe(201);
  expect(response.body).toStrictEqual({
    client_id: clientId,
    registration_access_token: expect.stringMatching(/^eyJ/),
    registration_client_uri: `${gateway.url}${prefix}/register/${clientId}`,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    application_type: 'web',
  });
}

/** The gateway's log lines so far, parsed (the sandbox banner and other text skipped). */
function logLines(gateway: GatewayProcess): Record<string, unknown>[] {
  return gateway
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Resolves with the first log line whose `msg` starts with `start`, once it is written. */
async function logged(gateway: GatewayProcess, start: string): Promise<Record<string, unknown>> {
  let line: Record<string, unknown> | undefined;
  await vi.waitFor(
    () => {
      line = logLines(gateway).find((each) => String(each.msg).startsWith(start));
      expect(line, `a log line starting "${start}"`).toBeDefined();
    },
    { timeout: 10_000, interval: 20 },
  );
  return line!;
}

/** The exit code, and the milliseconds from now until the process exited. */
function exitOf(gateway: GatewayProcess): Promise<{ code: number | null; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) =>
    gateway.child.once('exit', (code) => resolve({ code, ms: performance.now() - started })),
  );
}

/** The error code of a new TCP connection to the gateway's port, or `connected`. */
function connectOutcome(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

/** The config file as written, parsed, for a test to change and write back in place. */
const readConfig = (fixture: ConfigFixture) =>
  parse(readFileSync(fixture.file, 'utf8')) as Record<string, Record<string, unknown>>;

describe('SIGTERM', () => {
  const GRACE_MS = 5_000;

  it('finishes the registration in flight, refuses new connections at once, and exits 0 well within the bound', async () => {
    const { vendor, gateway } = await setup(answerAfter(VENDOR_DELAY_MS), {
      shutdown_grace_ms: GRACE_MS,
    });
    const inFlight = register(gateway);
    await vi.waitFor(() => expect(vendor.traffic.arrived).toBe(1));
    const exit = exitOf(gateway);
    gateway.child.kill('SIGTERM');

    expect(await logged(gateway, 'draining')).toMatchObject({
      level: 30,
      signal: 'SIGTERM',
      shutdownGraceMs: GRACE_MS,
      msg: 'draining: no new connections, finishing the requests in flight',
    });
    expect(await connectOutcome(gateway.url)).toBe('ECONNREFUSED');
    gateway.child.kill('SIGTERM'); // a second one while draining changes nothing
    expect(await logged(gateway, 'already draining')).toMatchObject({ signal: 'SIGTERM' });

    expectRegistered(await inFlight, gateway, '/idp', 'c1');
    const { code, ms } = await exit;
    expect(code).toBe(0);
    expect(ms).toBeLessThan(GRACE_MS);
    expect(await logged(gateway, 'drained')).toMatchObject({
      level: 30,
      open: 0,
      msg: 'drained, exiting',
    });
    expect(logLines(gateway).filter((line) => line.level === 40)).toStrictEqual([]);
  });

  it('closes an idle keep-alive connection at once, and a busy one once its response is out', async () => {
    const { vendor, gateway } = await setup(answerAfter(VENDOR_DELAY_MS), {
      shutdown_grace_ms: GRACE_MS,
    });
    const idle = await openSocket(gateway.url);
    idle.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    expect((await readResponse(idle, performance.now()))?.status).toBe(200);
    const busy = await openSocket(gateway.url);
    const body = JSON.stringify(M);
    busy.write(
      `POST /idp/register HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    const answer = readResponse(busy, performance.now());
    await vi.waitFor(() => expect(vendor.traffic.arrived).toBe(1));
    const closed = (socket: Socket) => new Promise((resolve) => socket.once('close', resolve));
    const [idleClosed, busyClosed] = [closed(idle), closed(busy)];
    const signalled = performance.now();
    gateway.child.kill('SIGTERM');

    await idleClosed;
    expect(performance.now() - signalled).toBeLessThan(VENDOR_DELAY_MS);
    const response = await answer;
    expect(response?.status).toBe(201);
    expect(response?.body).toMatchObject({ client_id: 'c1' });
    await busyClosed;
    expect((await exitOf(gateway)).code).toBe(0);
  });

  it('closes a request still open at shutdown_grace_ms, logs how many at warn and exits 1', async () => {
    const GRACE = 500;
    const { vendor, gateway } = await setup(hang, { shutdown_grace_ms: GRACE });
    const inFlight = register(gateway);
    await vi.waitFor(() => expect(vendor.traffic.arrived).toBe(1));
    const exit = exitOf(gateway);
    gateway.child.kill('SIGTERM');

    await expect(inFlight).rejects.toThrow('fetch failed');
    const { code, ms } = await exit;
    expect(code).toBe(1);
    expect(ms).toBeGreaterThanOrEqual(GRACE);
    expect(ms).toBeLessThan(GRACE + EXIT_MARGIN_MS);
    expect(await logged(gateway, 'requests still open')).toMatchObject({
      level: 40,
      open: 1,
      shutdownGraceMs: GRACE,
      msg: 'requests still open at shutdown_grace_ms: their connections were closed',
    });
    expect(await logged(gateway, 'drained')).toMatchObject({ open: 1 });
  });
});

describe('SIGHUP', () => {
  it.each([
    [
      'a YAML syntax error',
      (text: string) => `${text}\nroutes: [unclosed\n`,
      /gateway\.yaml:\d+:\d+: /,
    ],
    [
      'a schema error',
      (text: string) => text.replace('log_level: debug', 'log_level: loud'),
      /gateway\.yaml:2:\d+: server\.log_level: /,
    ],
  ])(
    'with %s in the file: logs it with its place and keeps serving the config it has',
    async (_name, breakIt, place) => {
      const { gateway, fixture } = await setup(answerAfter(0));
      writeFileSync(fixture.file, breakIt(readFileSync(fixture.file, 'utf8')));
      gateway.child.kill('SIGHUP');

      const refusal = await logged(gateway, 'config reload refused');
      expect(refusal.level).toBe(50);
      expect(String(refusal.msg)).toContain(fixture.file);
      expect(String(refusal.msg)).toMatch(place);
      expectRegistered(await register(gateway), gateway, '/idp', 'c1');
      expect(logLines(gateway).some((line) => line.msg === 'config reloaded')).toBe(false);
    },
  );

  it('refuses a config that changes the listener (a restart applies it) and keeps serving', async () => {
    const { gateway, fixture } = await setup(answerAfter(0));
    const config = readConfig(fixture);
    writeConfigFile(
      { ...config, server: { ...config.server, max_connections: 10 } },
      dirname(fixture.file),
    );
    gateway.child.kill('SIGHUP');

    expect(await logged(gateway, 'config reload refused')).toMatchObject({
      level: 50,
      changed: ['server.max_connections'],
      msg: 'config reload refused, still serving the previous config: these settings need a restart',
    });
    expectRegistered(await register(gateway), gateway, '/idp', 'c1');
  });

  it("answers malformed HTTP on the listener main.ts owns with the app's 400, before and after a reload", async () => {
    const { gateway, fixture } = await setup(answerAfter(0));
    const expectInvalidHttp = async () => {
      const answer = await sendRaw(gateway.url, 'GET / HTTP/9.9\r\nHost: a\r\n\r\n');
      expect(answer?.status).toBe(400);
      expect(answer?.headers.connection).toBe('close');
      expect(answer?.body).toStrictEqual({
        error: 'invalid_request',
        error_description: 'the request is not valid HTTP',
        request_id: answer?.headers['x-request-id'],
      });
    };
    await expectInvalidHttp();
    writeConfigFile(readConfig(fixture), dirname(fixture.file));
    gateway.child.kill('SIGHUP');
    await logged(gateway, 'config reloaded');
    await expectInvalidHttp();
  });

  it('with a new route: serves it and the kept one, and the registration in flight completes on the old config', async () => {
    const { vendor, gateway, fixture } = await setup(answerAfter(VENDOR_DELAY_MS));
    const inFlight = register(gateway);
    await vi.waitFor(() => expect(vendor.traffic.arrived).toBe(1));
    const config = readConfig(fixture);
    const routes = config.routes as Record<string, Record<string, unknown>>;
    writeConfigFile(
      { ...config, routes: { ...routes, second: { ...routes.main, prefix: '/second' } } },
      dirname(fixture.file),
    );
    expect((await register(gateway, '/second')).status).toBe(404);
    gateway.child.kill('SIGHUP');

    expect(await logged(gateway, 'config reloaded')).toMatchObject({
      level: 30,
      config: fixture.file,
      routes: ['/idp', '/second'],
    });
    const [second, kept] = await Promise.all([register(gateway, '/second'), register(gateway)]);
    expectRegistered(await inFlight, gateway, '/idp', 'c1');
    const ids = [second.body.client_id, kept.body.client_id].sort();
    expect(ids).toStrictEqual(['c2', 'c3']);
    expectRegistered(second, gateway, '/second', second.body.client_id);
    expectRegistered(kept, gateway, '/idp', kept.body.client_id);
    expect(logLines(gateway).filter((line) => Number(line.level) >= 40)).toStrictEqual([]);
  });
});
