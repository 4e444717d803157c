import {
  NO_LIMITS,
  TEST_SERVER,
  randomKey,
  writeConfigFile,
  type ConfigFixture,
} from '../gateway.js';
import { startLemonLdapNg, type LemonLdapNg } from './index.js';

/**
 * One LemonLDAP::NG per test process, shared by every gateway the file starts (each creates
 * clients under its own random ids): it starts in 1–2 s and serves one request at a time, so
 * a file starts it once. Started on the first `acquire`, stopped when the last user releases it.
 */
let shared: { instance: Promise<LemonLdapNg>; users: number } | undefined;

export interface SharedLemonLdapNg {
  readonly llng: LemonLdapNg;
  release(): Promise<void>;
}

export async function acquireLemonLdapNg(): Promise<SharedLemonLdapNg> {
  shared ??= { instance: startLemonLdapNg(), users: 0 };
  const entry = shared;
  entry.users++;
  let llng: LemonLdapNg;
  try {
    llng = await entry.instance;
  } catch (error) {
    if (--entry.users === 0 && shared === entry) shared = undefined;
    throw error;
  }
  let released = false;
  return {
    llng,
    release: async () => {
      if (released) return;
      released = true;
      if (--entry.users > 0) return;
      if (shared === entry) shared = undefined;
      await llng.close();
    },
  };
}

/** Where a config's secrets come from: `{ env: NAME }` or `{ file: PATH }`, never inline. */
type SecretRef = { readonly env: string } | { readonly file: string };

/**
 * A gateway config (as an object) with one route, `{prefix}` (default `/llng`), in front of
 * the Manager API through the bundled `lemonldap-ng` mapping, with open registration.
 */
export function lemonLdapNgGatewayConfig(
  llng: LemonLdapNg,
  secrets: { readonly adminPassword: SecretRef; readonly ratKey: SecretRef },
  options: {
    server?: Record<string, unknown>;
    prefix?: string;
    apiUrl?: string;
    redis?: SecretRef;
    ttlSeconds?: number;
    /** Merged into the route section, e.g. its limits. */
    routeSection?: Record<string, unknown>;
    /** Top-level sections added to the config, e.g. `sites`. */
    extra?: Record<string, unknown>;
  } = {},
): Record<string, unknown> {
  return {
    server: options.server ?? TEST_SERVER,
    cache: options.redis === undefined ? {} : { redis_url: options.redis },
    registration_tokens: {
      keys: [{ kid: 'k1', secret: secrets.ratKey }],
      ...(options.ttlSeconds === undefined ? {} : { ttl_seconds: options.ttlSeconds }),
    },
    backends: {
      llng: {
        mapping: 'lemonldap-ng',
        base_url: options.apiUrl ?? llng.apiUrl,
        admin: { username: llng.admin.username, password: secrets.adminPassword },
      },
    },
    routes: {
      llng: {
        prefix: options.prefix ?? '/llng',
        backend: 'llng',
        registration: { open: true },
        ...options.routeSection,
      },
    },
    ...options.extra,
  };
}

/**
 * `lemonLdapNgGatewayConfig` written for a test gateway: its admin password and RAT key in
 * the environment, as in production, and no rate limits (`NO_LIMITS`). `apiUrl` replaces the API's address (e.g. with a relay in
 * front of it).
 */
export function lemonLdapNgConfig(
  llng: LemonLdapNg,
  options: {
    prefix?: string;
    apiUrl?: string;
    redis?: string;
    ttlSeconds?: number;
    extra?: Record<string, unknown>;
  } = {},
): ConfigFixture {
  const env: Record<string, string> = {
    DCRGW_RAT_KEY: randomKey(),
    LLNG_ADMIN_PASSWORD: llng.admin.password,
  };
  const { redis, ...rest } = options;
  if (redis !== undefined) env.TEST_REDIS_URL = redis;
  const config = lemonLdapNgGatewayConfig(
    llng,
    { adminPassword: { env: 'LLNG_ADMIN_PASSWORD' }, ratKey: { env: 'DCRGW_RAT_KEY' } },
    {
      ...rest,
      ...(redis === undefined ? {} : { redis: { env: 'TEST_REDIS_URL' } }),
      routeSection: NO_LIMITS,
    },
  );
  return { file: writeConfigFile(config), env };
}
