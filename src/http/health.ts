import type { FastifyInstance } from 'fastify';
import type { Cache } from '../cache/index.js';

/**
 * `/healthz`: the process answers. `/readyz`: ready to serve, which a lost cache or an open
 * circuit breaker does not change (requests bypass the cache; other backends still serve): they
 * are reported as degraded, in the body and in `dcrgw_cache_up` / `dcrgw_backend_circuit_state`,
 * so a load balancer does not drop every instance when Redis or one IdP goes.
 */
export function healthRoutes(
  cache: Cache,
  /** Each backend's circuit breaker state: an open one is reported, the instance stays ready. */
  breakers: () => Record<string, string> = () => ({}),
) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/healthz', async () => ({ status: 'ok' }));
    app.get('/readyz', async () => {
      const cacheReady = await cache.ready();
      const backends = breakers();
      const allClosed = Object.values(backends).every((state) => state === 'closed');
      return {
        status: cacheReady && allClosed ? 'ready' : 'degraded',
        cache: cacheReady ? 'ok' : 'unreachable',
        backends,
      };
    });
  };
}
