import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import {
  applyEnv,
  BUNDLED_MAPPINGS,
  OPEN_METRICS,
  serverSettings,
  type Env,
  type GatewayConfig,
} from '../config/load.js';
import { LOOPBACK_HOSTS } from '../lib/loopback.js';
import { FileError } from '../lib/yaml-source.js';

/** A backend the sandbox runs in this process. */
export interface SandboxBackend {
  readonly baseUrl: string;
  /** Clients it holds now. */
  clientCount(): number;
  close(): Promise<void>;
}

export interface Sandbox {
  readonly config: GatewayConfig;
  /** In the order of the routes: the standard backend first. */
  readonly backends: readonly SandboxBackend[];
}

const SANDBOX_HOSTS = new Set([...LOOPBACK_HOSTS, '::1']);

/**
 * The embedded default: no config file, no Redis, a route per backend kind pointing at an
 * in-process backend (a real oidc-provider, the strict SimpleIdServer simulator). Its routes allow open registration, which is safe only because the
 * sandbox binds loopback, so any other `HOST` is refused. RAT keys are generated at start:
 * tokens die with the process, as do the in-memory clients.
 */
export async function startSandbox(env: Env): Promise<Sandbox> {
  const host = env.HOST ?? '127.0.0.1';
  if (!SANDBOX_HOSTS.has(host)) {
    throw new FileError(
      `HOST=${host}: the sandbox allows open registration and serves loopback only; pass --config (or DCRGW_CONFIG) to serve elsewhere`,
    );
  }
  // Loaded only once the host is accepted: oidc-provider prints warnings when it loads.
  const { startStandardBackend } = await import('./standard-backend.js');
  const { startSimpleIdServer } = await import('./simpleidserver/server.js');
  const standard = await startStandardBackend();
  const simpleidserver = await startSimpleIdServer();
  const config: GatewayConfig = {
    source: 'built-in sandbox',
    sandbox: true,
    // Loopback names only: a page on another site that resolves its own name to 127.0.0.1
    // (DNS rebinding) must not get URIs built from that name.
    server: {
      ...serverSettings(),
      host,
      trustedHosts: [...LOOPBACK_HOSTS].map((name) => `${name}:*`),
    },
    cache: { redisUrl: undefined, readTtlSeconds: 60, commandTimeoutMs: 500 },
    tokens: { keys: [{ kid: 'sandbox', key: randomBytes(32) }], ttlSeconds: undefined },
    metrics: OPEN_METRICS,
    backends: [
      {
        id: 'sandbox-standard',
        mapping: 'rfc7591',
        mappingFile: resolve(BUNDLED_MAPPINGS, 'rfc7591.yaml'),
        baseUrl: new URL(standard.baseUrl),
        parameters: { registration_path: '/reg' },
        admin: { token: standard.initialAccessToken },
        connectTimeoutMs: 2_000,
        requestTimeoutMs: 10_000,
        maxResponseBytes: 1_048_576,
        capabilities: standard.capabilities,
      },
      {
        id: 'sandbox-simpleidserver',
        mapping: 'simpleidserver',
        mappingFile: resolve(BUNDLED_MAPPINGS, 'simpleidserver.yaml'),
        // The realm's URL: the mapping's token and registration paths are below it.
        baseUrl: new URL(simpleidserver.baseUrl),
        parameters: {},
        admin: {
          clientId: simpleidserver.admin.clientId,
          clientSecret: simpleidserver.admin.clientSecret,
        },
        connectTimeoutMs: 2_000,
        requestTimeoutMs: 10_000,
        maxResponseBytes: 1_048_576,
        capabilities: simpleidserver.capabilities,
      },
    ],
    routes: [
      {
        id: 'sandbox-standard',
        prefix: '/sandbox/standard',
        backend: 'sandbox-standard',
        access: { kind: 'open' },
        registration: 'substitute',
        dryRun: true,
        // Local tools register loopback URLs; the IdP runs in this process, so it shares the
        // gateway's resolver and cannot reach a name the gateway cannot resolve.
        outboundUrls: { allowLoopback: true, unresolvable: 'accept' },
        // None: the sandbox serves loopback only, and local tools may hammer it (README).
        limits: {},
      },
      {
        id: 'sandbox-simpleidserver',
        prefix: '/sandbox/simpleidserver',
        backend: 'sandbox-simpleidserver',
        access: { kind: 'open' },
        registration: 'substitute',
        dryRun: true,
        // As for the standard route: local tools, an IdP in this process, loopback only.
        outboundUrls: { allowLoopback: true, unresolvable: 'accept' },
        limits: {},
      },
    ],
    describe: (path, message) => `built-in sandbox: ${path.join('.')}: ${message}`,
  };
  return {
    config: applyEnv(config, { PORT: env.PORT, REDIS_URL: env.REDIS_URL, HOST: host }),
    backends: [standard, simpleidserver],
  };
}
