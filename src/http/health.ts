import type { FastifyInstance } from 'fastify';
import type { Cache } from '../cache/index.js';

/**
 * `/healthz`: the process answers. `/readyz`: ready to serve, which a lost cache does not
 * change (requests bypass it): it is reported as degraded, in the body and in
 * `dcrgw_cache_up`, so a load balancer does not drop every instance when Redis goes.
 */
export function healthRoutes(cache: Cache) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/healthz', async () => ({ status: 'ok' }));
    app.get('/readyz', async () => {
      const cacheReady = await cache.ready();
      return {
        status: cacheReady ? 'ready' : 'degraded',
        cache: cacheReady ? 'ok' : 'unreachable',
      };
    });
  };
}
