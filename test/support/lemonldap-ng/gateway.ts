import { TEST_SERVER, randomKey, writeConfigFile, type ConfigFixture } from '../gateway.js';
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

/**
 * A gateway config with one route, `{prefix}` (default `/llng`), in front of the Manager API
 * through the bundled `lemonldap-ng` mapping, with open registration; the admin password and
 * RAT key come from the environment, as in production. `apiUrl` replaces the API's address
 * (e.g. with a relay in front of it).
 */
export function lemonLdapNgConfig(
  llng: LemonLdapNg,
  options: {
    prefix?: string;
    apiUrl?: string;
    redis?: string;
    ttlSeconds?: number;
    /** Merged into the backend section. */
    backendSection?: Record<string, unknown>;
  } = {},
): ConfigFixture {
  const env: Record<string, string> = {
    DCRGW_RAT_KEY: randomKey(),
    LLNG_ADMIN_PASSWORD: llng.admin.password,
  };
  if (options.redis !== undefined) env.TEST_REDIS_URL = options.redis;
  const config = {
    server: TEST_SERVER,
    cache: options.redis === undefined ? {} : { redis_url: { env: 'TEST_REDIS_URL' } },
    registration_tokens: {
      keys: [{ kid: 'k1', secret: { env: 'DCRGW_RAT_KEY' } }],
      ...(options.ttlSeconds === undefined ? {} : { ttl_seconds: options.ttlSeconds }),
    },
    backends: {
      llng: {
        mapping: 'lemonldap-ng',
        base_url: options.apiUrl ?? llng.apiUrl,
        admin: { username: llng.admin.username, password: { env: 'LLNG_ADMIN_PASSWORD' } },
        ...options.backendSection,
      },
    },
    routes: {
      llng: { prefix: options.prefix ?? '/llng', backend: 'llng', registration: { open: true } },
    },
  };
  return { file: writeConfigFile(config), env };
}
