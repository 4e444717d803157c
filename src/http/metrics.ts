import type { FastifyInstance } from 'fastify';
import { invalidToken, missingToken } from '../errors/index.js';
import { sameSecret } from '../lib/crypto.js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Observes one vendor call; handed to the backend layer so it needs no metrics library. */
export type BackendObserver = (
  backend: string,
  call: string,
  status: number,
  seconds: number,
) => void;

export interface Metrics {
  /** Adds the timing hook to every route of `app`. */
  install(app: FastifyInstance): void;
  /** `GET /metrics`, behind `Authorization: Bearer <token>` when a token is given. */
  routes(token: string | undefined): (app: FastifyInstance) => Promise<void>;
  readonly observeBackend: BackendObserver;
  /** Counts one compensation of a failed create: `removed`, or `failed` (an orphan was left). */
  countCompensation(backend: string, outcome: 'removed' | 'failed'): void;
  /** Counts one request let through because its rate-limit store failed. */
  countRateLimitError(route: string, limit: string): void;
  /** Counts one cached RFC 7592 read: a hit, or a miss that went to the vendor. */
  countCacheRead(backend: string, hit: boolean): void;
  /** Counts one retry of a vendor call. */
  countRetry(backend: string, call: string): void;
  /** Records a backend's circuit breaker state. */
  setBreakerState(backend: string, state: 'closed' | 'open' | 'half_open'): void;
}

/** `dcrgw_backend_circuit_state` values. */
const BREAKER_VALUES = { closed: 0, open: 1, half_open: 2 } as const;

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Prometheus metrics on `GET /metrics`: request durations by route pattern, method and status,
 * vendor call durations by backend, call and status, and the process defaults. One registry per
 * app, so several apps in one process (tests) do not collide.
 */
export function createMetrics(cacheReady: () => Promise<boolean>): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'dcrgw_cache_up',
    help: '1 while the cache store answers, 0 while requests bypass it',
    registers: [registry],
    async collect() {
      this.set((await cacheReady()) ? 1 : 0);
    },
  });
  const requests = new Histogram({
    name: 'dcrgw_http_request_duration_seconds',
    help: 'Gateway request duration by route pattern, method and status',
    labelNames: ['route', 'method', 'status'],
    buckets: BUCKETS,
    registers: [registry],
  });
  const vendorCalls = new Histogram({
    name: 'dcrgw_backend_request_duration_seconds',
    help: 'Vendor call duration by backend, mapping call and status',
    labelNames: ['backend', 'call', 'status'],
    buckets: BUCKETS,
    registers: [registry],
  });
  const compensations = new Counter({
    name: 'dcrgw_compensations_total',
    help: 'Clients removed again after a failed create, by backend and outcome (failed: orphan left)',
    labelNames: ['backend', 'outcome'],
    registers: [registry],
  });
  const rateLimitErrors = new Counter({
    name: 'dcrgw_rate_limit_errors_total',
    help: 'Requests let through unlimited because the rate-limit store failed, by route and limit',
    labelNames: ['route', 'limit'],
    registers: [registry],
  });
  const retries = new Counter({
    name: 'dcrgw_backend_retries_total',
    help: 'Idempotent vendor calls tried again after a transient failure, by backend and call',
    labelNames: ['backend', 'call'],
    registers: [registry],
  });
  const breakers = new Gauge({
    name: 'dcrgw_backend_circuit_state',
    help: 'Circuit breaker of each backend: 0 closed, 1 open (failing fast), 2 half-open (probing)',
    labelNames: ['backend'],
    registers: [registry],
  });
  const cacheReads = new Counter({
    name: 'dcrgw_cache_reads_total',
    help: 'RFC 7592 reads on routes with a read cache, by backend and result (hit, miss)',
    labelNames: ['backend', 'result'],
    registers: [registry],
  });
  const registrations = new Counter({
    name: 'dcrgw_registration_requests_total',
    help: 'RFC 7591/7592 requests by route, operation, status class and error code ("" on success)',
    labelNames: ['route', 'operation', 'status_class', 'error'],
    registers: [registry],
  });
  const requestSeries = boundSeries((labels) => requests.labels(labels));
  const registrationSeries = boundSeries((labels) => registrations.labels(labels));
  const vendorSeries = boundSeries((labels) => vendorCalls.labels(labels));
  return {
    countCacheRead: (backend, hit) => cacheReads.inc({ backend, result: hit ? 'hit' : 'miss' }),
    countRetry: (backend, call) => retries.inc({ backend, call }),
    setBreakerState: (backend, state) => breakers.set({ backend }, BREAKER_VALUES[state]),
    countRateLimitError: (route, limit) => rateLimitErrors.inc({ route, limit }),
    countCompensation: (backend, outcome) => compensations.inc({ backend, outcome }),
    observeBackend: (backend, call, status, seconds) =>
      vendorSeries({ backend, call, status: String(status) }).observe(seconds),
    install(app) {
      app.addHook('onResponse', (request, reply, done) => {
        const status = String(reply.statusCode);
        requestSeries({
          route: request.routeOptions.url ?? 'unmatched',
          method: request.method,
          status,
        }).observe(reply.elapsedTime / 1000);
        const { operation } = request.routeOptions.config;
        if (operation !== undefined)
          registrationSeries({
            route: operation.route,
            operation: operation.name,
            status_class: `${status[0]}xx`,
            error: request.failure?.code ?? '',
          }).inc();
        done();
      });
    },
    routes: (token) => async (app) => {
      app.get('/metrics', async (request, reply) => {
        if (token !== undefined) checkToken(request.headers.authorization, token);
        void reply.type(registry.contentType);
        return registry.metrics();
      });
    },
  };
}

/**
 * A metric's series by label values, each bound once (label sets here are all finite: route
 * patterns, methods, statuses, error codes, backends and their mapping's calls): prom-client's
 * label hashing per observation was a measurable share of a passthrough (README, Performance).
 */
function boundSeries<T>(bind: (labels: Record<string, string>) => T) {
  const bound = new Map<string, T>();
  return (labels: Record<string, string>): T => {
    const key = Object.values(labels).join('\u0000');
    let series = bound.get(key);
    if (series === undefined) {
      series = bind(labels);
      bound.set(key, series);
    }
    return series;
  };
}

function checkToken(authorization: string | undefined, token: string): void {
  const match = authorization === undefined ? null : /^Bearer +(\S+) *$/i.exec(authorization);
  if (match === null) throw missingToken();
  if (!sameSecret(match[1]!, token)) throw invalidToken();
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The RFC 7591/7592 operation a registration route serves, for its request counter. */
    operation?: { readonly route: string; readonly name: string };
  }
  interface FastifyInstance {
    /** Serves `/metrics` when it has a listener of its own; the caller listens and closes it. */
    metricsApp: FastifyInstance | undefined;
  }
}
