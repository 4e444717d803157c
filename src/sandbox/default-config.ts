import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import {
  applyEnv,
  BUNDLED_MAPPINGS,
  DEFAULT_IDEMPOTENCY,
  OPEN_METRICS,
  resilience,
  serverSettings,
  type Env,
  type GatewayConfig,
} from '../config/load.js';
import { LOOPBACK_HOSTS } from '../lib/loopback.js';
import { FileError } from '../lib/yaml-source.js';
import type { SandboxForgeRockAm } from './forgerock-am/index.js';
import type { Nevis } from './nevis/server.js';
import type { IbmVerify } from './ibm-verify/server.js';
import type { SimpleIdServer } from './simpleidserver/server.js';
import type { StandardBackend } from './standard-backend.js';

/** What a sandbox backend offers its caller besides its config: a count and a stop. */
export interface SandboxBackend {
  readonly baseUrl: string;
  clientCount(): number;
  close(): Promise<void>;
}

export interface Sandbox {
  readonly config: GatewayConfig;
  /** Every backend, the standard one first. */
  readonly backends: readonly SandboxBackend[];
  readonly standard: StandardBackend;
  readonly forgerockAm: SandboxForgeRockAm;
  readonly simpleidserver: SimpleIdServer;
  readonly nevis: Nevis;
  readonly ibmVerify: IbmVerify;
}

/** What every sandbox backend section shares. */
const SANDBOX_BACKEND = {
  connectTimeoutMs: 2_000,
  requestTimeoutMs: 10_000,
  maxResponseBytes: 1_048_576,
  ...resilience(),
} as const;

/**
 * What every sandbox route shares: open registration, dry runs, and no limits (the sandbox
 * serves loopback only, and local tools may hammer it: README).
 */
const SANDBOX_ROUTE = {
  access: {},
  registration: 'substitute',
  dryRun: true,
  softwareStatements: 'ignore',
  // Local tools register loopback URLs; the IdPs run in this process, so they share the
  // gateway's resolver and cannot reach a name the gateway cannot resolve.
  outboundUrls: { allowLoopback: true, unresolvable: 'accept' },
  limits: {},
  idempotency: DEFAULT_IDEMPOTENCY,
} as const;

const SANDBOX_HOSTS = new Set([...LOOPBACK_HOSTS, '::1']);

/**
 * The embedded default: no config file, no Redis, a route per backend kind pointing at an
 * in-process backend. Its routes allow open registration, which is safe only because the
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
  // The site's issuer names the gateway's port, and oidc-provider takes its issuer at start.
  const portText = await portFor(host, env.PORT);
  // A PORT that is no port is reported by applyEnv below, as with a config file.
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : 8080;
  const siteOrigin = `http://localhost:${port}`;
  // Loaded only once the host is accepted: oidc-provider prints warnings when it loads.
  const { startStandardBackend } = await import('./standard-backend.js');
  const { startSandboxForgeRockAm } = await import('./forgerock-am/index.js');
  const { startSimpleIdServer } = await import('./simpleidserver/server.js');
  const { startNevis } = await import('./nevis/server.js');
  const { startIbmVerify } = await import('./ibm-verify/server.js');
  const [standard, forgerockAm, simpleidserver, nevis, ibmVerify] = await Promise.all([
    startStandardBackend({ issuer: siteOrigin, devInteractions: true, loopbackResources: true }),
    startSandboxForgeRockAm(),
    startSimpleIdServer(),
    startNevis(),
    startIbmVerify(),
  ]);
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
        ...SANDBOX_BACKEND,
        capabilities: standard.capabilities,
      },
      {
        id: 'sandbox-forgerock-am',
        mapping: 'forgerock-am',
        mappingFile: resolve(BUNDLED_MAPPINGS, 'forgerock-am.yaml'),
        baseUrl: new URL(forgerockAm.baseUrl),
        parameters: { realm_path: forgerockAm.realmPath },
        admin: {
          clientId: forgerockAm.service.clientId,
          clientSecret: forgerockAm.service.clientSecret,
        },
        ...SANDBOX_BACKEND,
        capabilities: forgerockAm.capabilities,
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
        ...SANDBOX_BACKEND,
        capabilities: simpleidserver.capabilities,
      },
      {
        id: 'sandbox-nevis',
        mapping: 'nevis',
        mappingFile: resolve(BUNDLED_MAPPINGS, 'nevis.yaml'),
        baseUrl: new URL(nevis.baseUrl),
        parameters: { module: nevis.module, setupId: nevis.setupId },
        // The Nevis ID technical user's token (the simulator takes dev-mode Basic too).
        admin: { token: nevis.admin.token },
        ...SANDBOX_BACKEND,
        capabilities: nevis.capabilities,
      },
      {
        id: 'sandbox-ibm-verify',
        mapping: 'ibm-verify',
        mappingFile: resolve(BUNDLED_MAPPINGS, 'ibm-verify.yaml'),
        // The tenant's URL: the token endpoint and /oauth2/register are below it.
        baseUrl: new URL(ibmVerify.baseUrl),
        parameters: {},
        admin: { clientId: ibmVerify.admin.clientId, clientSecret: ibmVerify.admin.clientSecret },
        ...SANDBOX_BACKEND,
        capabilities: ibmVerify.capabilities,
      },
    ],
    routes: [
      {
        id: 'sandbox-standard',
        prefix: '/sandbox/standard',
        backend: 'sandbox-standard',
        ...SANDBOX_ROUTE,
      },
      {
        id: 'sandbox-forgerock-am',
        prefix: '/sandbox/forgerock-am',
        backend: 'sandbox-forgerock-am',
        ...SANDBOX_ROUTE,
        // AM verifies statements itself (its Software Publisher agent): handed on untouched.
        softwareStatements: 'pass_through',
      },
      {
        id: 'sandbox-simpleidserver',
        prefix: '/sandbox/simpleidserver',
        backend: 'sandbox-simpleidserver',
        ...SANDBOX_ROUTE,
      },
      {
        id: 'sandbox-nevis',
        prefix: '/sandbox/nevis',
        backend: 'sandbox-nevis',
        ...SANDBOX_ROUTE,
      },
      {
        id: 'sandbox-ibm-verify',
        prefix: '/sandbox/ibm-verify',
        backend: 'sandbox-ibm-verify',
        ...SANDBOX_ROUTE,
      },
    ],
    // The standard IdP behind its own origin, as strict clients need it (README, Topologies):
    // discovery, registration, login and tokens at one URL.
    sites: [
      {
        id: 'sandbox-standard',
        issuer: siteOrigin,
        origin: siteOrigin,
        issuerPath: '',
        hosts: [`localhost:${port}`],
        route: 'sandbox-standard',
        upstream: undefined,
        preserveHost: false,
        idpRegistration: { paths: ['/reg'], action: 'take_over' },
        discovery: { ttlSeconds: 60, staleSeconds: 3_600, timeoutMs: 5_000 },
        corsOrigins: ['*'],
      },
    ],
    describe: (path, message) => `built-in sandbox: ${path.join('.')}: ${message}`,
  };
  return {
    config: applyEnv(config, { PORT: portText, REDIS_URL: env.REDIS_URL, HOST: host }),
    backends: [standard, forgerockAm, simpleidserver, nevis, ibmVerify],
    standard,
    forgerockAm,
    simpleidserver,
    nevis,
    ibmVerify,
  };
}

/**
 * `PORT` as given, or 8080, or for `PORT=0` a port the system has free now: the sandbox needs the
 * number before it listens, and the short gap until it does is harmless on loopback.
 */
async function portFor(host: string, text: string | undefined): Promise<string> {
  if (text === undefined || text === '') return '8080';
  if (text !== '0') return text;
  const probe = createServer();
  await new Promise<void>((resolve, reject) =>
    probe.once('error', reject).listen(0, host, () => resolve()),
  );
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return String(port);
}
