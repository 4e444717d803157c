import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256, type RegistrationAccess, type TokenKey } from '../auth/index.js';
import type { AdminCredentials } from '../backends/index.js';
import type { Capabilities } from '../dcr/index.js';
import { loadMapping, type CompiledMapping } from '../mapping/index.js';
import { configSchema, type BackendSection, type ConfigFile, type SecretRef } from './schema.js';
import { FileError, parseWith, readYamlFile, type YamlSource } from './yaml-source.js';

export interface ResolvedBackend {
  readonly id: string;
  readonly mapping: CompiledMapping;
  readonly baseUrl: URL;
  readonly params: Readonly<Record<string, string>>;
  readonly admin: AdminCredentials;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly maxResponseBytes: number;
  readonly capabilities: Capabilities & { readonly fields?: readonly string[] | undefined };
}

export interface ResolvedRoute {
  readonly id: string;
  readonly prefix: string;
  readonly backend: string;
  readonly access: RegistrationAccess;
}

/** The gateway config after validation: secrets read, mappings compiled, names resolved. */
export interface GatewayConfig {
  /** The file it came from, or `built-in sandbox`. */
  readonly source: string;
  readonly sandbox: boolean;
  readonly server: {
    readonly host: string;
    readonly port: number;
    readonly publicUrl: string | undefined;
    readonly bodyLimitBytes: number;
    readonly trustProxy: boolean;
    readonly logLevel: string;
  };
  readonly cache: {
    readonly redisUrl: string | undefined;
    readonly readTtlSeconds: number;
    readonly commandTimeoutMs: number;
  };
  readonly tokens: { readonly keys: readonly TokenKey[]; readonly ttlSeconds: number | undefined };
  readonly backends: readonly ResolvedBackend[];
  readonly routes: readonly ResolvedRoute[];
}

export type Env = Readonly<Record<string, string | undefined>>;

/** Where the bundled mapping files live, from `src/config` and `dist/config` alike. */
export const BUNDLED_MAPPINGS = resolve(dirname(fileURLToPath(import.meta.url)), '../../mappings');

/**
 * Loads and checks a gateway config file. Every problem is reported with the file, the line,
 * the path inside the file and what was expected; `HOST`, `PORT` and `REDIS_URL` override.
 */
export function loadConfigFile(file: string, env: Env): GatewayConfig {
  const source = readYamlFile(file);
  const parsed = parseWith(configSchema, source);
  const resolver = new Resolver(source, env);
  const config = resolver.resolve(parsed);
  const port = envPort(env);
  resolver.throwIfProblems(typeof port === 'object' ? [port.problem] : []);
  return applyEnv(config, env);
}

/**
 * `HOST`, `PORT` and `REDIS_URL` win over the file (twelve-factor style). Empty counts as unset,
 * as for secrets: `PORT=` must not mean "any free port", nor `REDIS_URL=` "Redis on localhost".
 */
export function applyEnv(config: GatewayConfig, env: Env): GatewayConfig {
  const port = envPort(env);
  if (typeof port === 'object') throw new FileError(port.problem);
  return Object.freeze({
    ...config,
    server: Object.freeze({
      ...config.server,
      host: nonEmpty(env.HOST) ?? config.server.host,
      port: port ?? config.server.port,
    }),
    cache: Object.freeze({
      ...config.cache,
      redisUrl: nonEmpty(env.REDIS_URL) ?? config.cache.redisUrl,
    }),
  });
}

const nonEmpty = (value: string | undefined): string | undefined =>
  value === '' ? undefined : value;

/** `PORT` as a number, undefined when unset, or the problem with it (`Number()` would take " 8e3"). */
function envPort(env: Env): number | undefined | { problem: string } {
  const text = nonEmpty(env.PORT);
  if (text === undefined) return undefined;
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  return port <= 65535
    ? port
    : { problem: `PORT: expected an integer from 0 to 65535, got "${text}"` };
}

/** Resolves names and secrets, collecting every problem before reporting them together. */
class Resolver {
  private readonly problems: string[] = [];
  private readonly baseDir: string;

  constructor(
    private readonly source: YamlSource,
    private readonly env: Env,
  ) {
    this.baseDir = dirname(resolve(source.file));
  }

  private problem(path: (string | number)[], message: string): void {
    this.problems.push(`${this.source.locate(path)}: ${path.join('.')}: ${message}`);
  }

  /** Throws every problem found, and `more` (e.g. from the environment), as one error. */
  throwIfProblems(more: readonly string[] = []): void {
    const all = [...this.problems, ...more];
    if (all.length > 0) throw new FileError(all.join('\n'));
  }

  resolve(file: ConfigFile): GatewayConfig {
    const backends = Object.entries(file.backends).flatMap(
      ([id, section]) => this.backend(id, section) ?? [],
    );
    const prefixes = new Set<string>();
    const routes = Object.entries(file.routes).map(([id, route]): ResolvedRoute => {
      if (!Object.hasOwn(file.backends, route.backend))
        this.problem(['routes', id, 'backend'], `no backend named ${route.backend}`);
      if (prefixes.has(route.prefix))
        this.problem(['routes', id, 'prefix'], `${route.prefix} is used by another route`);
      prefixes.add(route.prefix);
      return {
        id,
        prefix: route.prefix,
        backend: route.backend,
        access: this.access(id, route.registration),
      };
    });
    return {
      source: this.source.file,
      sandbox: false,
      server: {
        host: file.server.host,
        port: file.server.port,
        publicUrl: file.server.public_url?.replace(/\/$/, ''),
        bodyLimitBytes: file.server.body_limit_bytes,
        trustProxy: file.server.trust_proxy,
        logLevel: file.server.log_level,
      },
      cache: {
        redisUrl: file.cache.redis_url && this.secret(['cache', 'redis_url'], file.cache.redis_url),
        readTtlSeconds: file.cache.read_ttl_seconds,
        commandTimeoutMs: file.cache.command_timeout_ms,
      },
      tokens: {
        keys: file.registration_tokens.keys.map((key, index) => {
          // Decryption looks keys up by kid: a repeated kid would shadow one of the two keys.
          if (file.registration_tokens.keys.findIndex((other) => other.kid === key.kid) < index)
            this.problem(
              ['registration_tokens', 'keys', index, 'kid'],
              `${key.kid} is used by another key`,
            );
          return {
            kid: key.kid,
            key: this.tokenKey(['registration_tokens', 'keys', index, 'secret'], key.secret),
          };
        }),
        ttlSeconds: file.registration_tokens.ttl_seconds,
      },
      backends,
      routes,
    };
  }

  private secret(path: (string | number)[], ref: SecretRef): string {
    if ('env' in ref) {
      const value = this.env[ref.env];
      if (value === undefined || value === '')
        this.problem(path, `environment variable ${ref.env} is not set`);
      return value ?? '';
    }
    try {
      return readFileSync(resolve(this.baseDir, ref.file), 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      this.problem(
        path,
        `secret file ${ref.file} cannot be read (${(error as NodeJS.ErrnoException).code})`,
      );
      return '';
    }
  }

  private tokenKey(path: (string | number)[], ref: SecretRef): Uint8Array {
    const text = this.secret(path, ref);
    const key = Buffer.from(text, 'base64url');
    // An unreadable secret is reported already; only a readable one can have the wrong size.
    if (text !== '' && key.length !== 32) {
      this.problem(path, 'expected base64url of exactly 32 bytes (e.g. openssl rand -base64 32)');
    }
    return key;
  }

  private access(
    id: string,
    registration: ConfigFile['routes'][string]['registration'],
  ): RegistrationAccess {
    if ('open' in registration) return { kind: 'open' };
    const path = ['routes', id, 'registration', 'initial_access_tokens'];
    return {
      kind: 'initial_access_token',
      sha256: registration.initial_access_tokens.map((entry, index) =>
        'sha256' in entry
          ? Buffer.from(entry.sha256, 'hex')
          : sha256(this.secret([...path, index], entry)),
      ),
    };
  }

  private backend(id: string, section: BackendSection): ResolvedBackend | undefined {
    const path = ['backends', id];
    const isPath = /\.ya?ml$/.test(section.mapping);
    if (!isPath && !/^[A-Za-z0-9_-]+$/.test(section.mapping)) {
      this.problem([...path, 'mapping'], 'expected a bundled mapping id or a path ending in .yaml');
      return undefined;
    }
    const file = isPath
      ? resolve(this.baseDir, section.mapping)
      : resolve(BUNDLED_MAPPINGS, `${section.mapping}.yaml`);
    let mapping: CompiledMapping;
    try {
      mapping = loadMapping(file);
    } catch (error) {
      if (!(error instanceof FileError)) throw error;
      this.problem(
        [...path, 'mapping'],
        `mapping ${section.mapping} is invalid:\n${error.message}`,
      );
      return undefined;
    }
    const params = this.parameters(path, mapping, section.parameters);
    const admin = this.admin(path, mapping, section.admin);
    return {
      id,
      mapping,
      baseUrl: new URL(section.base_url),
      params,
      admin,
      connectTimeoutMs: section.timeouts.connect_ms,
      requestTimeoutMs: section.timeouts.request_ms,
      maxResponseBytes: section.max_response_bytes,
      capabilities: this.capabilities(path, mapping, section.capabilities),
    };
  }

  private parameters(
    path: string[],
    mapping: CompiledMapping,
    given: Record<string, string>,
  ): Record<string, string> {
    const params: Record<string, string> = {};
    for (const name of Object.keys(given)) {
      if (!Object.hasOwn(mapping.parameters, name)) {
        this.problem(
          [...path, 'parameters', name],
          `mapping ${mapping.id} has no parameter ${name} (it has: ${Object.keys(mapping.parameters).join(', ') || 'none'})`,
        );
      }
    }
    for (const [name, spec] of Object.entries(mapping.parameters)) {
      const value = Object.hasOwn(given, name) ? given[name] : spec.default;
      if (value === undefined) {
        if (spec.required)
          this.problem(
            [...path, 'parameters'],
            `mapping ${mapping.id} needs parameter ${name}: ${spec.description}`,
          );
        continue;
      }
      params[name] = value;
    }
    return params;
  }

  private admin(
    path: string[],
    mapping: CompiledMapping,
    admin: BackendSection['admin'],
  ): AdminCredentials {
    const at = [...path, 'admin'];
    const scheme = mapping.adminAuth;
    const need = (fields: (keyof BackendSection['admin'])[]) => {
      for (const field of fields) {
        if (admin[field] === undefined)
          this.problem(
            at,
            `mapping ${mapping.id} authenticates with ${scheme.kind}: admin.${field} is required`,
          );
      }
    };
    if (scheme.kind === 'bearer' && !scheme.optional) need(['token']);
    if (scheme.kind === 'basic') need(['username', 'password']);
    if (scheme.kind === 'client_credentials') need(['client_id', 'client_secret']);
    const read = (field: 'token' | 'password' | 'client_secret') => {
      const ref = admin[field];
      return ref === undefined ? undefined : this.secret([...at, field], ref);
    };
    return {
      token: read('token'),
      username: admin.username,
      password: read('password'),
      clientId: admin.client_id,
      clientSecret: read('client_secret'),
    };
  }

  private capabilities(
    path: string[],
    mapping: CompiledMapping,
    narrowed: BackendSection['capabilities'],
  ): ResolvedBackend['capabilities'] {
    const declared = mapping.capabilities;
    const pick = (
      field: 'grant_types' | 'response_types' | 'token_endpoint_auth_methods',
    ): readonly string[] => {
      const values = narrowed?.[field];
      if (values === undefined) return declared[field];
      const extra = values.filter((value) => !declared[field].includes(value));
      if (extra.length > 0)
        this.problem(
          [...path, 'capabilities', field],
          `mapping ${mapping.id} does not support ${extra.join(', ')}`,
        );
      return values;
    };
    return {
      grant_types: pick('grant_types'),
      response_types: pick('response_types'),
      token_endpoint_auth_methods: pick('token_endpoint_auth_methods'),
      fields: declared.fields,
    };
  }
}
