import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from 'pino';
import {
  createAccess,
  createRegistrationTokens,
  needsInitialAccessToken,
  OPEN_SETTINGS,
  type AccessSettings,
} from './auth/index.js';
import { createBackendClient, createMetadataFetcher } from './backends/index.js';
import {
  createMemoryCache,
  createMemoryClaims,
  createRedisCache,
  createRedisClaims,
  createSealer,
  sealCache,
  sealClaims,
  type Cache,
  type RedisCache,
} from './cache/index.js';
import type { Gateway } from './assemble.js';
import { openApiDocument } from './dcr/index.js';
import { VERSION } from './version.js';
import type { GatewayConfig } from './config/load.js';
import {
  clientErrorHandler,
  createFailureSummary,
  describeError,
  createAuditLogger,
  createLogger,
  createMetrics,
  createRouteLimiters,
  frameworkErrors,
  healthRoutes,
  openApiRoute,
  installAccessLog,
  installBodyDeadline,
  installClientCertificates,
  type CertificateSources,
  installErrorHandling,
  installJsonBody,
  installRequestGuards,
  limitStoreErrors,
  listenerOptions,
  publicBase,
  registrationRoutes,
  siteRoutes,
  type RouteLimiters,
} from './http/index.js';
import { createOutboundPolicy, type HostLookup } from './lib/outbound-url.js';
import { boundedLookup, systemLookup } from './lib/system-lookup.js';
import { createAdapter } from './mapping/index.js';
import {
  createDiscovery,
  discoveryPaths,
  type Backend,
  type PipelineDeps,
  type Route,
} from './pipeline/index.js';

export interface AppOptions {
  /** Defaults to a pino logger at the configured level on stdout. */
  readonly logger?: Logger;
  /** Defaults to the configured audit destination (`createAuditLogger`). */
  readonly auditLogger?: Logger;
  /** Defaults to Redis when the config names one, in-memory otherwise. */
  readonly cache?: Cache;
  /** Resolves the hosts of URLs the IdP may fetch; defaults to the system resolver. */
  readonly lookup?: HostLookup;
  /**
   * For a listener `main.ts` owns (`createListener`), which hands requests to `app.routing`
   * and outlives reloads: the app and its metrics app get servers that never listen.
   */
  readonly detached?: boolean;
}

/** A server that never listens: fastify's `clientError` handler is reached through it. */
const detachedServer = () => createServer();

/**
 * Host lookups outstanding at once, gateway-wide; more are refused as unresolved. `dns.lookup`
 * holds one of libuv's threads until the resolver answers, even after the policy gave up on it,
 * so slow names sent by callers could otherwise queue up without bound in front of every other
 * lookup. Above the 10 names one request may look up, so one request is never refused by it.
 */
const MAX_PENDING_LOOKUPS = 16;

/**
 * Builds the gateway from a checked config and its compiled mappings: one backend client and
 * one frozen vendor adapter per backend, cache, token codec, and one set of registration
 * endpoints per route. Never listens; `main.ts` does, tests `inject()` or listen on port 0.
 */
export async function buildApp(
  { config, backends: assembled }: Gateway,
  options: AppOptions = {},
): Promise<FastifyInstance> {
  const logger = options.logger ?? createLogger(config.server.logLevel);
  const redisCache: RedisCache | undefined =
    options.cache === undefined && config.cache.redisUrl !== undefined
      ? createRedisCache(
          { url: config.cache.redisUrl, commandTimeoutMs: config.cache.commandTimeoutMs },
          logger,
        )
      : undefined;
  const cache = options.cache ?? redisCache ?? createMemoryCache();
  const [primaryKey] = config.tokens.keys;
  const metrics = createMetrics(() => cache.ready());
  const clients = assembled.map(({ section, mapping, params }) =>
    createBackendClient({
      id: section.id,
      baseUrl: section.baseUrl,
      adminScheme: mapping.adminAuthFor(params),
      adminCredentials: section.admin,
      connectTimeoutMs: section.connectTimeoutMs,
      requestTimeoutMs: section.requestTimeoutMs,
      maxResponseBytes: section.maxResponseBytes,
      connections: section.connections,
      retry: section.retry,
      breaker: section.breaker,
      observe: metrics.observeBackend,
      countRetry: metrics.countRetry,
      onBreakerChange: (backend, state) => {
        metrics.setBreakerState(backend, state);
        const log = state === 'open' ? logger.warn : logger.info;
        log.call(logger, { backend, breaker: state }, `circuit breaker ${state}`);
      },
    }),
  );
  const backends = new Map<string, Backend>(
    assembled.map(({ section, mapping, params, capabilities }, index) => {
      const id = section.id;
      const adapter = createAdapter(mapping, {
        params,
        send: clients[index]!.send,
        onCompensation: ({ clientId, error }) => {
          metrics.countCompensation(id, error === undefined ? 'removed' : 'failed');
          if (error === undefined)
            logger.warn({ backend: id, clientId }, 'removed a partially created client');
          else
            logger.error(
              { backend: id, clientId, ...describeError(error) },
              'could not delete a partially created client; remove it by hand',
            );
        },
      });
      return [id, { id, adapter, capabilities }];
    }),
  );
  const deps: PipelineDeps = {
    backends,
    tokens: createRegistrationTokens(config.tokens.keys, config.tokens.ttlSeconds),
    cache: sealCache(cache, primaryKey!.key),
    readCacheTtlSeconds: config.cache.readTtlSeconds,
    countCacheRead: metrics.countCacheRead,
    // Claims fail closed, so they need Redis itself, not the cache that bypasses it.
    claims: sealClaims(
      redisCache ? createRedisClaims(redisCache.connection) : createMemoryClaims(),
      createSealer(primaryKey!.key),
    ),
  };

  const { timeouts } = config.server;
  const app: FastifyInstance = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    logController: QUIET,
    bodyLimit: config.server.bodyLimitBytes,
    trustProxy: config.server.trustProxy === false ? false : [...config.server.trustProxy],
    return503OnClosing: true,
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    ...listenerOptions(config.server),
    ...(options.detached && { serverFactory: detachedServer }),
    frameworkErrors,
    clientErrorHandler,
  }) as FastifyInstance;
  app.server.maxConnections = config.server.maxConnections;
  app.decorate('auditLog', options.auditLogger ?? createAuditLogger(config.server.auditLog));
  app.addHook('onRequest', sendRequestId);
  installRequestGuards(app);
  installJsonBody(app);
  installClientCertificates(app, certificateSources(config.server));
  installBodyDeadline(app, timeouts.bodyMs);
  installErrorHandling(app, config.server.bodyLimitBytes);
  const failures = createFailureSummary(logger);
  installAccessLog(app, failures);
  metrics.install(app);
  app.decorate('metricsApp', undefined);
  if (config.metrics.listener === undefined) {
    await app.register(metrics.routes(config.metrics.token));
  } else {
    app.metricsApp = await metricsListener(
      logger,
      metrics.routes(config.metrics.token),
      options.detached,
    );
    app.addHook('onClose', () => app.metricsApp!.close());
  }
  await app.register(
    healthRoutes(cache, () =>
      Object.fromEntries(clients.map((client) => [client.id, client.breakerState()])),
    ),
  );
  await app.register(openApiRoute(openApiOf(config)));
  const publicBaseOf = publicBase(config.server.publicUrl, config.server.trustedHosts);
  const lookup = boundedLookup(options.lookup ?? systemLookup, MAX_PENDING_LOOKUPS);
  // Rate limits count in the cache's Redis, on its connection and command timeout.
  const limitStore = {
    redis: redisCache?.connection,
    onError: limitStoreErrors(logger, metrics.countRateLimitError),
  };
  const routes = new Map<string, { route: Route; limiters: RouteLimiters }>();
  for (const section of config.routes) {
    const backend = backends.get(section.backend)!;
    const outbound = createOutboundPolicy({ ...section.outboundUrls, lookup });
    const limiters = await createRouteLimiters(app, section, limitStore);
    const access = createAccess(section.access, { outbound, redis: redisCache?.connection });
    const route: Route = { ...section, backend, outbound, access };
    routes.set(section.id, { route, limiters });
    await app.register(registrationRoutes(deps, route, publicBaseOf, limiters), {
      prefix: route.prefix,
    });
  }
  const clientCertificateHeaders = [config.server.clientCertificateHeader?.name ?? []].flat();
  for (const site of config.sites) {
    // A site shares its route's limiters: its callers count against the same quotas.
    const { route, limiters } = routes.get(site.route)!;
    const { section } = assembled.find((backend) => backend.section.id === route.backend.id)!;
    const upstream = site.upstream ?? section.baseUrl.origin;
    const { host, protocol } = new URL(site.origin);
    const paths = discoveryPaths(site.issuerPath);
    const discovery = createDiscovery({
      site: site.id,
      fetch: createMetadataFetcher({
        upstream,
        forwardedHost: host,
        forwardedProto: protocol.slice(0, -1),
        preserveHost: site.preserveHost,
        timeoutMs: site.discovery.timeoutMs,
        maxResponseBytes: section.maxResponseBytes,
      }),
      upstreamPaths: paths.upstream,
      cache: deps.cache,
      ttlSeconds: site.discovery.ttlSeconds,
      staleSeconds: site.discovery.staleSeconds,
      registrationEndpoint: `${site.origin}${route.prefix}/register`,
      publicClients: route.backend.capabilities.token_endpoint_auth_methods.includes('none'),
      issuer: site.issuer,
      onIssuerMismatch: (stated) =>
        logger.warn(
          { site: site.id, configured: site.issuer, stated },
          "the IdP's metadata names another issuer than the site's: strict clients will refuse it",
        ),
    });
    await app.register(
      siteRoutes(deps, route, { ...site, discoveryPaths: paths.served, discovery }, limiters, {
        upstream,
        publicProtocol: protocol.slice(0, -1),
        preserveHost: site.preserveHost,
        connectTimeoutMs: section.connectTimeoutMs,
        requestTimeoutMs: section.requestTimeoutMs,
        bodyLimitBytes: config.server.bodyLimitBytes,
        dropHeaders: clientCertificateHeaders,
      }),
    );
  }
  app.addHook('onClose', async () => {
    failures.close();
    await Promise.all(clients.map((client) => client.close()));
    await cache.close();
  });
  return app;
}

function certificateSources(server: GatewayConfig['server']): CertificateSources {
  const { tls, clientCertificateHeader: header } = server;
  return {
    ...(tls?.requestClientCertificate && { tls: { verifies: tls.clientCa !== undefined } }),
    ...(header && { header }),
  };
}

/** A second, minimal server for `/metrics` only, with the gateway's error answers. */
async function metricsListener(
  logger: Logger,
  routes: (app: FastifyInstance) => Promise<void>,
  detached: boolean | undefined,
): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    genReqId: () => randomUUID(),
    logController: QUIET,
    ...(detached && { serverFactory: detachedServer }),
  });
  app.addHook('onRequest', sendRequestId);
  installErrorHandling(app, 0);
  await app.register(routes);
  return app;
}

/** Fastify's own request lines are off: the access log writes one line per request. */
const QUIET = new LogController({ disableRequestLogging: true });

// Hooks that run on every request, passthrough included, take a callback: an async hook costs a
// promise and a microtask per request (README, Performance).
const sendRequestId = (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
  void reply.header('x-request-id', request.id);
  done();
};

interface RoutesOf {
  readonly routes: readonly { readonly prefix: string; readonly access: AccessSettings }[];
}

/** The routes `test/fixtures/openapi.json` documents: one behind tokens, one open. */
export const EXAMPLE_ROUTES: RoutesOf = {
  routes: [
    { prefix: '/apps', access: { staticTokens: [] } },
    { prefix: '/public', access: OPEN_SETTINGS },
  ],
};

/** The OpenAPI document of the gateway `config` describes (served, and printed by `openapi`). */
export const openApiOf = (config: RoutesOf): Record<string, unknown> =>
  openApiDocument(
    config.routes.map((route) => ({
      prefix: route.prefix,
      open: !needsInitialAccessToken(route.access),
    })),
    VERSION,
  );
