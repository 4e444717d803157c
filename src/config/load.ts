import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JWK, JSONWebKeySet } from 'jose';
import type {
  AccessSettings,
  KeySource,
  SoftwareStatementSettings,
  StatementPublisher,
  TokenKey,
} from '../auth/index.js';
import type { AdminCredentials, BreakerSettings, RetrySettings } from '../backends/index.js';
import type { RegistrationMode, SoftwareStatementMode } from '../dcr/index.js';
import type { LimitWindow, RouteLimits } from '../http/index.js';
import { sha256 } from '../lib/crypto.js';
import { parsePattern, type OutboundPolicyOptions } from '../lib/outbound-url.js';
import { FileError, parseWith, readYamlFile, type YamlSource } from '../lib/yaml-source.js';
import {
  backendSchema,
  configSchema,
  idempotencySection,
  type BackendSection,
  type ConfigFile,
  type JwksSourceSection,
  type OutboundUrlsSection,
  type SecretRef,
  type SiteSection,
} from './schema.js';

/** Capability lists a backend section narrows its mapping's to. */
export interface CapabilityNarrowing {
  readonly grant_types?: readonly string[] | undefined;
  readonly response_types?: readonly string[] | undefined;
  readonly token_endpoint_auth_methods?: readonly string[] | undefined;
  readonly scopes?: readonly string[] | undefined;
}

/**
 * A backend section with its secrets read. Its mapping is named, not compiled: the app's
 * assembly compiles it and checks parameters, credentials and capabilities against it.
 */
export interface ResolvedBackend {
  readonly id: string;
  /** The mapping as written: a bundled id or a path. */
  readonly mapping: string;
  /** The mapping file it names. */
  readonly mappingFile: string;
  readonly baseUrl: URL;
  /** Parameters as written; the mapping's defaults are applied at assembly. */
  readonly parameters: Readonly<Record<string, string>>;
  readonly admin: AdminCredentials;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly maxResponseBytes: number;
  /** Keep-alive connections to the backend (and calls in flight at once); default the client's. */
  readonly connections?: number | undefined;
  readonly retry: RetrySettings;
  readonly breaker: BreakerSettings | undefined;
  readonly capabilities: CapabilityNarrowing | undefined;
}

/** A route's `outbound_urls`: its outbound-URL policy, less the resolver the app supplies. */
export type OutboundUrlSettings = Omit<OutboundPolicyOptions, 'lookup'>;

export interface ResolvedRoute {
  readonly id: string;
  readonly prefix: string;
  readonly backend: string;
  readonly access: AccessSettings;
  readonly registration: RegistrationMode;
  readonly dryRun: boolean;
  readonly softwareStatements: SoftwareStatementMode;
  readonly outboundUrls: OutboundUrlSettings;
  readonly limits: RouteLimits;
  /** `Idempotency-Key` on registration; undefined: the header is ignored. */
  readonly idempotency: IdempotencySettings | undefined;
}

/** A route's `idempotency` section (README: Idempotency). */
export interface IdempotencySettings {
  /** How long a 201 is replayed to requests with the same key. */
  readonly ttlSeconds: number;
  /** How long a running request holds its key. */
  readonly leaseSeconds: number;
  /** How long a repeat waits for the first to finish before answering 409. */
  readonly waitSeconds: number;
  /** Without a key: how long the same metadata from the same caller gets the first answer. */
  readonly duplicateWindowSeconds: number | undefined;
}

/**
 * An IdP origin the gateway fronts: registration and discovery answered by the gateway, every
 * other path passed through to the backend of `route`.
 */
export interface ResolvedSite {
  readonly id: string;
  /** The IdP issuer as clients know it, exactly as written. */
  readonly issuer: string;
  /** The public origin (scheme, host, port) of the issuer. */
  readonly origin: string;
  /** The issuer's path without its trailing slash; '' for an issuer at the origin's root. */
  readonly issuerPath: string;
  /** Host values the site answers (lower case; `name:*` for any port). */
  readonly hosts: readonly string[];
  readonly route: string;
  /** The IdP origin the site streams to; undefined: its route backend's base_url origin. */
  readonly upstream: string | undefined;
  /** The IdP gets the caller's `Host` rather than its own origin's. */
  readonly preserveHost: boolean;
  /** The IdP's own registration endpoints and what becomes of requests to them. */
  readonly idpRegistration: {
    readonly paths: readonly string[];
    readonly action: 'take_over' | 'refuse';
  };
  readonly discovery: {
    readonly ttlSeconds: number;
    readonly staleSeconds: number;
    readonly timeoutMs: number;
  };
  /** Browser origins allowed to call discovery and registration; `*` for any. */
  readonly corsOrigins: readonly string[];
}

/** How long a client may take to send its request (server.timeouts). */
export interface InboundTimeouts {
  readonly headersMs: number;
  readonly bodyMs: number;
  readonly requestMs: number;
  readonly keepAliveMs: number;
}

/** Where `/metrics` is served, and the bearer token it requires. */
export interface MetricsSettings {
  /** A listener of its own; on the main listener when undefined. */
  readonly listener: { readonly host: string; readonly port: number } | undefined;
  readonly token: string | undefined;
}

/** The default: `/metrics` on the main listener, open. */
export const OPEN_METRICS: MetricsSettings = Object.freeze({
  listener: undefined,
  token: undefined,
});

/** HTTPS on the main listener (`server.tls`), its files read. */
export interface TlsSettings {
  /** PEM: the server certificate and its chain. */
  readonly certificate: string;
  /** PEM private key. Never logged. */
  readonly key: string;
  /** PEM bundle client certificates are verified against; none trusted without it. */
  readonly clientCa: string | undefined;
  readonly requestClientCertificate: boolean;
}

/** Client certificates forwarded by trusted proxies (`server.client_certificate_header`). */
export interface ClientCertificateHeaderSettings {
  /** Lower case. */
  readonly name: string;
  /** Addresses and CIDR blocks whose connections may set the header. */
  readonly trustedProxies: readonly string[];
  /** PEM bundle of issuers forwarded certificates must come from; else the proxy's word. */
  readonly clientCa: string | undefined;
}

/** The gateway config after validation: secrets read, names resolved. */
export interface GatewayConfig {
  /** The file it came from, or `built-in sandbox`. */
  readonly source: string;
  readonly sandbox: boolean;
  readonly server: {
    readonly host: string;
    readonly port: number;
    readonly publicUrl: string | undefined;
    /** Host values URIs may be built from when there is no public URL (lower case). */
    readonly trustedHosts: readonly string[] | undefined;
    readonly bodyLimitBytes: number;
    /** Proxies whose X-Forwarded-For is believed; `false`: none, the peer is the caller. */
    readonly trustProxy: false | readonly string[];
    readonly logLevel: string;
    /** Where the audit lines go (one per registration and management call). */
    readonly auditLog: 'stdout' | 'stderr' | 'off' | { readonly file: string };
    readonly timeouts: InboundTimeouts;
    readonly maxConnections: number;
    /** How long in-flight requests may take to finish once the gateway drains. */
    readonly shutdownGraceMs: number;
    readonly tls?: TlsSettings;
    readonly clientCertificateHeader?: ClientCertificateHeaderSettings;
  };
  readonly cache: {
    readonly redisUrl: string | undefined;
    readonly readTtlSeconds: number;
    readonly commandTimeoutMs: number;
  };
  readonly tokens: { readonly keys: readonly TokenKey[]; readonly ttlSeconds: number | undefined };
  readonly metrics: MetricsSettings;
  readonly backends: readonly ResolvedBackend[];
  readonly routes: readonly ResolvedRoute[];
  readonly sites: readonly ResolvedSite[];
  /** A problem with the value at `path`, as `file:line:col: path: message`. */
  describe(path: readonly (string | number)[], message: string): string;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** Where the bundled mapping files live, from `src/config` and `dist/config` alike. */
export const BUNDLED_MAPPINGS = resolve(dirname(fileURLToPath(import.meta.url)), '../../mappings');

/** A config and every problem found in it, to be reported together with the assembly's. */
export interface ConfigResult {
  readonly config: GatewayConfig;
  readonly problems: readonly string[];
}

/**
 * Reads and checks a gateway config file. Syntax and schema problems throw at once; problems
 * with names, secrets and the environment are collected, each with the file, the line, the
 * path inside the file and what was expected. `HOST`, `PORT` and `REDIS_URL` override.
 */
export function resolveConfigFile(file: string, env: Env): ConfigResult {
  const source = readYamlFile(file);
  const parsed = parseWith(configSchema, source);
  const resolver = new Resolver(source, env);
  const config = resolver.resolve(parsed);
  const port = envPort(env);
  const problems = [...resolver.problems, ...(typeof port === 'object' ? [port.problem] : [])];
  return { config: problems.length > 0 ? config : applyEnv(config, env), problems };
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

/**
 * Limits on open routes unless the route says otherwise: enough for any real client (a client
 * registers once, then manages itself now and then), far too few to flood the IdP. Routes
 * with initial access tokens have none by default: the token holder is known and trusted.
 */
export const OPEN_ROUTE_LIMITS: RouteLimits = Object.freeze({
  register: Object.freeze({ max: 10, windowSeconds: 60 }),
  manage: Object.freeze({ max: 60, windowSeconds: 60 }),
});

type RouteSection = ConfigFile['routes'][string];
type StatementSection = NonNullable<RouteSection['registration']['software_statement']>;

/** A route's limits: each as written, its default where not written, none where `false`. */
function routeLimits(route: RouteSection): RouteLimits {
  const defaults: RouteLimits = 'open' in route.registration ? OPEN_ROUTE_LIMITS : {};
  const limits: Record<keyof RouteLimits, LimitWindow | undefined> = {
    register: windowOf(route.rate_limit, defaults.register),
    manage: windowOf(route.management_rate_limit, defaults.manage),
    quota: route.quota && {
      max: route.quota.max_clients,
      windowSeconds: route.quota.window_seconds,
    },
  };
  // Only the limits in force, so the resolved config reads as what runs.
  return Object.fromEntries(Object.entries(limits).filter(([, limit]) => limit !== undefined));
}

function windowOf(
  written: { max: number; window_seconds: number } | false | undefined,
  fallback: LimitWindow | undefined,
): LimitWindow | undefined {
  if (written === undefined) return fallback;
  return written === false
    ? undefined
    : { max: written.max, windowSeconds: written.window_seconds };
}

/** What a route without an `idempotency` section gets (the sandbox routes too). */
export const DEFAULT_IDEMPOTENCY: IdempotencySettings = Object.freeze(
  idempotencySettings(idempotencySection.parse(undefined))!,
);

function idempotencySettings(
  section: RouteSection['idempotency'],
): IdempotencySettings | undefined {
  if (section === false) return undefined;
  return {
    ttlSeconds: section.ttl_seconds,
    leaseSeconds: section.lease_seconds,
    waitSeconds: section.wait_seconds,
    duplicateWindowSeconds: section.duplicate_window_seconds,
  };
}

/** The server section as the app uses it; the sandbox gets the schema's defaults from here too. */
export function serverSettings(
  server: ConfigFile['server'] = configSchema.shape.server.parse(undefined),
): GatewayConfig['server'] {
  return {
    host: server.host,
    port: server.port,
    publicUrl: server.public_url?.replace(/\/$/, ''),
    trustedHosts: server.trusted_hosts?.map((host) => host.toLowerCase()),
    bodyLimitBytes: server.body_limit_bytes,
    trustProxy: server.trust_proxy,
    logLevel: server.log_level,
    auditLog: server.audit_log,
    timeouts: {
      headersMs: server.timeouts.headers_ms,
      bodyMs: server.timeouts.body_ms,
      requestMs: server.timeouts.request_ms,
      keepAliveMs: server.timeouts.keep_alive_ms,
    },
    maxConnections: server.max_connections,
    shutdownGraceMs: server.shutdown_grace_ms,
  };
}

/** A site section as the app uses it: the issuer split into origin and path, hosts lower case. */
export function resolveSite(id: string, site: SiteSection): ResolvedSite {
  const issuer = new URL(site.issuer);
  const issuerPath = issuer.pathname.replace(/\/$/, '');
  return {
    id,
    issuer: site.issuer,
    origin: issuer.origin,
    issuerPath,
    hosts: (site.hosts ?? [issuer.host]).map((host) => host.toLowerCase()),
    route: site.route,
    upstream: site.upstream && new URL(site.upstream).origin,
    preserveHost: site.preserve_host,
    idpRegistration: site.idp_registration,
    discovery: {
      ttlSeconds: site.discovery.ttl_seconds,
      staleSeconds: site.discovery.stale_seconds,
      timeoutMs: site.discovery.timeout_ms,
    },
    corsOrigins: site.cors.allowed_origins.map((origin) =>
      origin === '*' ? origin : new URL(origin).origin,
    ),
  };
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/** Resolves names and secrets, collecting every problem before reporting them together. */
class Resolver {
  readonly problems: string[] = [];
  private readonly baseDir: string;

  constructor(
    private readonly source: YamlSource,
    private readonly env: Env,
  ) {
    this.baseDir = dirname(resolve(source.file));
  }

  private readonly describe = (path: readonly (string | number)[], message: string): string =>
    `${this.source.locate(path)}: ${path.join('.')}: ${message}`;

  private problem(path: (string | number)[], message: string): void {
    this.problems.push(this.describe(path, message));
  }

  resolve(file: ConfigFile): GatewayConfig {
    const backends = Object.entries(file.backends).flatMap(
      ([id, section]) => this.backend(id, section) ?? [],
    );
    const { tls, client_certificate_header: header } = file.server;
    const receivesCertificates = tls?.request_client_certificate === true || header !== undefined;
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
        access: this.access(id, route.registration, receivesCertificates),
        registration: route.registration_policy,
        dryRun: route.dry_run,
        softwareStatements: route.software_statements,
        outboundUrls: this.outboundUrls(id, route.outbound_urls),
        limits: routeLimits(route),
        idempotency: idempotencySettings(route.idempotency),
      };
    });
    this.publicOrigin(file.server);
    const hosts = new Map<string, string>();
    const sites = Object.entries(file.sites).map(([id, site]) => {
      if (!Object.hasOwn(file.routes, site.route))
        this.problem(['sites', id, 'route'], `no route named ${site.route}`);
      const resolved = resolveSite(id, site);
      for (const [index, host] of resolved.hosts.entries()) {
        const other = hosts.get(host);
        if (other !== undefined)
          this.problem(['sites', id, 'hosts', index], `${host} is served by site ${other}`);
        hosts.set(host, id);
      }
      return resolved;
    });
    return {
      source: this.source.file,
      sandbox: false,
      server: {
        ...serverSettings(file.server),
        ...(tls && { tls: this.tls(tls) }),
        ...(header && {
          clientCertificateHeader: {
            name: header.name,
            trustedProxies: header.trusted_proxies,
            clientCa:
              header.client_ca &&
              this.certificates(
                ['server', 'client_certificate_header', 'client_ca'],
                header.client_ca,
              ),
          },
        }),
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
      metrics: {
        listener:
          file.metrics.port === undefined
            ? undefined
            : { host: file.metrics.host, port: file.metrics.port },
        token: file.metrics.token && this.secret(['metrics', 'token'], file.metrics.token),
      },
      backends,
      routes,
      sites,
      describe: this.describe,
    };
  }

  /**
   * URIs handed to callers (`registration_client_uri`) must not come from whatever Host a
   * request carries (`Host: evil.example/#`): either the operator says where the gateway is,
   * or which Host values are its own.
   */
  private publicOrigin(server: ConfigFile['server']): void {
    if (server.public_url === undefined && server.trusted_hosts === undefined)
      this.problem(
        ['server'],
        'set public_url (how callers reach the gateway) or trusted_hosts (the Host values it answers to): URIs are never built from an unchecked Host header',
      );
    if (server.public_url !== undefined && server.trusted_hosts !== undefined)
      this.problem(
        ['server', 'trusted_hosts'],
        'unused beside public_url, which every URI is built from; set one of the two',
      );
  }

  private tls(section: NonNullable<ConfigFile['server']['tls']>): TlsSettings {
    const path = ['server', 'tls'];
    const key = this.secret([...path, 'key'], section.key);
    try {
      if (key !== '') createPrivateKey(key);
    } catch {
      // Never the key or the parser's message, which may quote it.
      this.problem([...path, 'key'], 'is not a PEM private key');
    }
    return {
      certificate: this.certificates([...path, 'certificate'], section.certificate),
      key,
      clientCa: section.client_ca && this.certificates([...path, 'client_ca'], section.client_ca),
      requestClientCertificate: section.request_client_certificate,
    };
  }

  /** A PEM file of one or more certificates, each checked to parse. */
  private certificates(path: (string | number)[], file: string): string {
    let text: string;
    try {
      text = readFileSync(resolve(this.baseDir, file), 'utf8');
    } catch (error) {
      this.problem(path, `${file} cannot be read (${(error as NodeJS.ErrnoException).code})`);
      return '';
    }
    const blocks = text.match(PEM_CERTIFICATE) ?? [];
    try {
      if (blocks.length === 0) throw new Error('none');
      for (const block of blocks) new X509Certificate(block);
    } catch {
      this.problem(path, `${file} holds no PEM certificates, or one that does not parse`);
    }
    return text;
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

  /** A JWKS source: inline as written, a file read now (JSON with `keys`), a URI as is. */
  keySource(path: (string | number)[], section: JwksSourceSection): KeySource {
    if ('uri' in section) return { kind: 'uri', uri: section.uri };
    if ('inline' in section) return { kind: 'inline', jwks: section.inline as JSONWebKeySet };
    try {
      const parsed: unknown = JSON.parse(readFileSync(resolve(this.baseDir, section.file), 'utf8'));
      const keys = (parsed as { keys?: unknown } | null)?.keys;
      if (Array.isArray(keys) && keys.length > 0)
        return { kind: 'inline', jwks: parsed as JSONWebKeySet };
      this.problem(path, `key set file ${section.file} holds no { "keys": [...] }`);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      this.problem(path, `key set file ${section.file} cannot be read (${code ?? 'not JSON'})`);
    }
    return { kind: 'inline', jwks: { keys: [] } };
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

  /** The route's inbound authentication, its secrets read and key sets resolved. */
  private access(
    id: string,
    registration: RouteSection['registration'],
    receivesCertificates: boolean,
  ): AccessSettings {
    const path = ['routes', id, 'registration'];
    const certificate = registration.client_certificate;
    if (certificate?.required && !receivesCertificates)
      this.problem(
        [...path, 'client_certificate', 'required'],
        'no certificate can arrive: set server.tls.request_client_certificate or server.client_certificate_header',
      );
    const jwt = registration.initial_access_jwt;
    const introspection = registration.introspection;
    return {
      ...(registration.initial_access_tokens && {
        staticTokens: registration.initial_access_tokens.map((entry, index) =>
          'sha256' in entry
            ? Buffer.from(entry.sha256, 'hex')
            : sha256(this.secret([...path, 'initial_access_tokens', index], entry)),
        ),
      }),
      ...(jwt && {
        jwt: {
          issuer: jwt.issuer,
          audience: typeof jwt.audience === 'string' ? [jwt.audience] : jwt.audience,
          algorithms: jwt.algorithms,
          clockSkewSeconds: jwt.clock_skew_seconds,
          ...(jwt.required_scope === undefined ? {} : { requiredScope: jwt.required_scope }),
          keys: this.keySource([...path, 'initial_access_jwt', 'jwks'], jwt.jwks),
        },
      }),
      ...(introspection && {
        introspection: {
          endpoint: introspection.endpoint,
          clientId: introspection.client_id,
          clientSecret: this.secret(
            [...path, 'introspection', 'client_secret'],
            introspection.client_secret,
          ),
          ...(introspection.required_scope === undefined
            ? {}
            : { requiredScope: introspection.required_scope }),
          maxCacheSeconds: introspection.max_cache_seconds,
          timeoutMs: introspection.timeout_ms,
          clockSkewSeconds: introspection.clock_skew_seconds,
        },
      }),
      ...(registration.single_use && { singleUse: true }),
      ...(registration.field_scopes && { fieldScopes: registration.field_scopes }),
      // Wherever certificates can arrive, a presented one is bound to the metadata.
      ...((certificate !== undefined || receivesCertificates) && {
        clientCertificate: { required: certificate?.required ?? false },
      }),
      ...(registration.software_statement && {
        softwareStatement: this.softwareStatement(
          [...path, 'software_statement'],
          registration.software_statement,
        ),
      }),
      ...(registration.signed_requests && {
        signedRequests: {
          required: registration.signed_requests.required,
          algorithms: registration.signed_requests.algorithms,
          maxAgeSeconds: registration.signed_requests.max_age_seconds,
          clockSkewSeconds: registration.signed_requests.clock_skew_seconds,
        },
      }),
    };
  }

  /** Statement publishers with their secrets read and key sets resolved; the decryption key parsed. */
  private softwareStatement(
    path: (string | number)[],
    section: StatementSection,
  ): SoftwareStatementSettings {
    const publishers = section.publishers.map((publisher, index): StatementPublisher => {
      const at = [...path, 'publishers', index];
      return {
        issuer: publisher.issuer,
        key: publisher.secret
          ? {
              kind: 'secret',
              secret: Buffer.from(this.secret([...at, 'secret'], publisher.secret)),
            }
          : { kind: 'keys', keys: this.keySource([...at, 'jwks'], publisher.jwks!) },
        algorithms: publisher.algorithms,
        requiredClaims: publisher.required_claims,
        clockSkewSeconds: publisher.clock_skew_seconds,
      };
    });
    const decryptionKey =
      section.decryption_key &&
      this.privateJwk([...path, 'decryption_key'], section.decryption_key);
    return {
      publishers,
      required: section.required,
      ...(decryptionKey === undefined ? {} : { decryptionKey }),
    };
  }

  /** A private JWK (JSON) from a secret: RSA, EC or OKP, with its private part `d`. */
  private privateJwk(path: (string | number)[], ref: SecretRef): JWK | undefined {
    const text = this.secret(path, ref);
    if (text === '') return undefined; // unreadable: reported already
    let jwk: unknown;
    try {
      jwk = JSON.parse(text);
    } catch {
      jwk = undefined;
    }
    const { kty, d } = (jwk ?? {}) as { kty?: unknown; d?: unknown };
    if (['RSA', 'EC', 'OKP'].includes(kty as string) && typeof d === 'string') return jwk as JWK;
    this.problem(path, 'expected a private JWK as JSON (kty RSA, EC or OKP, with d)');
    return undefined;
  }

  private outboundUrls(id: string, section: OutboundUrlsSection): OutboundUrlSettings {
    const path = ['routes', id, 'outbound_urls'];
    const check = (at: (string | number)[], patterns: readonly string[]) =>
      patterns.forEach((pattern, index) => {
        try {
          parsePattern(pattern);
        } catch (error) {
          this.problem([...path, ...at, index], (error as Error).message);
        }
      });
    check(['deny_hosts'], section.deny_hosts);
    for (const [key, patterns] of Object.entries(section.allow_hosts ?? {}))
      check(['allow_hosts', key], patterns);
    return {
      allowLoopback: section.allow_loopback,
      allowPrivate: section.allow_private,
      ...(section.allow_hosts === undefined ? {} : { allowHosts: section.allow_hosts }),
      denyHosts: section.deny_hosts,
      resolveTimeoutMs: section.resolve_timeout_ms,
      unresolvable: section.unresolvable,
    };
  }

  private backend(id: string, section: BackendSection): ResolvedBackend | undefined {
    const path = ['backends', id];
    const isPath = /\.ya?ml$/.test(section.mapping);
    if (!isPath && !/^[A-Za-z0-9_-]+$/.test(section.mapping)) {
      this.problem([...path, 'mapping'], 'expected a bundled mapping id or a path ending in .yaml');
      return undefined;
    }
    const read = (field: 'token' | 'password' | 'client_secret') => {
      const ref = section.admin[field];
      return ref === undefined ? undefined : this.secret([...path, 'admin', field], ref);
    };
    return {
      id,
      mapping: section.mapping,
      mappingFile: isPath
        ? resolve(this.baseDir, section.mapping)
        : resolve(BUNDLED_MAPPINGS, `${section.mapping}.yaml`),
      baseUrl: new URL(section.base_url),
      parameters: section.parameters,
      admin: {
        token: read('token'),
        username: section.admin.username,
        password: read('password'),
        clientId: section.admin.client_id,
        clientSecret: read('client_secret'),
      },
      connectTimeoutMs: section.timeouts.connect_ms,
      requestTimeoutMs: section.timeouts.request_ms,
      maxResponseBytes: section.max_response_bytes,
      connections: section.max_connections,
      ...resilience(section),
      capabilities: section.capabilities,
    };
  }
}

/** A backend's retries and circuit breaker, as written or by default (also the sandbox's). */
export function resilience(
  section: Pick<BackendSection, 'retries' | 'circuit_breaker'> = BACKEND_DEFAULTS,
): Pick<ResolvedBackend, 'retry' | 'breaker'> {
  const breaker = section.circuit_breaker;
  return {
    retry: { retries: section.retries.max, baseDelayMs: section.retries.base_delay_ms },
    breaker:
      breaker === false
        ? undefined
        : { failureThreshold: breaker.failure_threshold, openMs: breaker.open_seconds * 1000 },
  };
}

const BACKEND_DEFAULTS = {
  retries: backendSchema.shape.retries.parse(undefined),
  circuit_breaker: backendSchema.shape.circuit_breaker.parse(undefined),
};
