import type { FastifyInstance } from 'fastify';
import type { Cache } from '../cache/index.js';

/** `/healthz`: the process answers. `/readyz`: config loaded and the cache store reachable. */
export function healthRoutes(cache: Cache) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/healthz', async () => ({ status: 'ok' }));
    app.get('/readyz', async (_request, reply) => {
      const cacheReady = await cache.ready();
      reply.code(cacheReady ? 200 : 503);
      return {
        status: cacheReady ? 'ready' : 'degraded',
        cache: cacheReady ? 'ok' : 'unreachable',
      };
    });
  };
}
