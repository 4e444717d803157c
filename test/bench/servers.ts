/**
 * Processes the benchmark measures, one per invocation, each printing `READY <port>`:
 *   trivial             a backend answering RFC 7591/7592 with a fixed 2 KB client
 *   proxy <upstream>    a bare @fastify/http-proxy passthrough to <upstream>
 *   oidc <iat> <file>   the real oidc-provider (registration behind <iat>), writing its GC
 *                       pauses so far to <file> twice a second (tail.ts reads them)
 */
import { createServer } from 'node:http';
import { renameSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import fastifyHttpProxy from '@fastify/http-proxy';
import Fastify from 'fastify';

const [kind, arg, gcFile] = process.argv.slice(2);
const ready = (port: number) => process.stdout.write(`READY ${port}\n`);

/** A registration response of about 2 KB, as a real IdP answers with its defaults filled in. */
function trivialClient(baseUrl: string): string {
  const client: Record<string, unknown> = {
    client_id: 'bench-client-0001',
    client_secret: 'b'.repeat(86),
    client_id_issued_at: 1795000000,
    client_secret_expires_at: 0,
    registration_access_token: 'r'.repeat(43),
    registration_client_uri: `${baseUrl}/reg/bench-client-0001`,
    redirect_uris: ['https://app.example/callback', 'http://127.0.0.1:33418/'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    application_type: 'web',
    client_name: 'Benchmark client',
    client_uri: 'https://app.example',
    logo_uri: 'https://app.example/logo.png',
    tos_uri: 'https://app.example/tos',
    policy_uri: 'https://app.example/privacy',
    contacts: ['ops@app.example', 'security@app.example'],
    scope: 'openid profile email offline_access',
    id_token_signed_response_alg: 'RS256',
    subject_type: 'public',
    require_auth_time: false,
    post_logout_redirect_uris: ['https://app.example/logout'],
    require_pushed_authorization_requests: false,
    dpop_bound_access_tokens: false,
    default_max_age: 3600,
    software_id: '4NRB1-0XZABZI9E6-5SM3R',
    software_version: '2.4.1',
  };
  let json = JSON.stringify(client);
  client.default_acr_values = ['urn:mace:incommon:iap:silver'.padEnd(2048 - json.length - 40, 'x')];
  json = JSON.stringify(client);
  return json;
}

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

/** This process's GC pauses so far, by kind, written to `file` as `{ kind: { count, seconds } }`. */
function recordPauses(file: string): void {
  const totals: Record<string, { count: number; seconds: number }> = {};
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind =
        GC_KINDS[(entry as unknown as { detail: { kind: number } }).detail.kind] ?? 'other';
      const total = (totals[kind] ??= { count: 0, seconds: 0 });
      total.count++;
      total.seconds += entry.duration / 1000;
    }
  }).observe({ entryTypes: ['gc'] });
  // Renamed into place, so a reader never sees a file half written.
  const write = () => {
    writeFileSync(`${file}.tmp`, JSON.stringify(totals));
    renameSync(`${file}.tmp`, file);
  };
  setInterval(write, 500).unref();
  write();
}

async function main(): Promise<void> {
  if (kind === 'trivial') {
    let body = '';
    const server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        const status = request.method === 'POST' ? 201 : request.method === 'DELETE' ? 204 : 200;
        response.writeHead(status, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        });
        response.end(status === 204 ? undefined : body);
      });
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    body = trivialClient(`http://127.0.0.1:${port}`);
    ready(port);
  } else if (kind === 'proxy') {
    const app = Fastify({ logger: false });
    await app.register(fastifyHttpProxy, { upstream: arg! });
    await app.listen({ host: '127.0.0.1', port: 0 });
    ready((app.server.address() as AddressInfo).port);
  } else if (kind === 'oidc') {
    const { startStandardBackend } = await import('../../src/sandbox/standard-backend.js');
    const backend = await startStandardBackend({ initialAccessToken: arg! });
    recordPauses(gcFile!);
    ready(Number(new URL(backend.baseUrl).port));
  } else {
    throw new Error(`unknown server kind ${kind}`);
  }
}

await main();
