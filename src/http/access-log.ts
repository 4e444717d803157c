import type { FastifyInstance } from 'fastify';
import type { FailureSummary } from './failure-summary.js';

/**
 * One line per request, written when it completes, instead of fastify's two (incoming and
 * completed): logging was a measurable share of a registration's cost (README, Performance).
 * The line carries the request id like every other line of the request; for a failed request,
 * its error code; for a registration or management request, the milliseconds of its
 * `responseTime` spent in vendor calls (`backendTime`). At warn for a 5xx (counted into the
 * summary), at info otherwise, except a site's passthrough that the IdP answered below 400: at
 * debug, since the IdP logs its own traffic and a line per login page or JWKS fetch was the
 * largest cost a site adds over the bare proxy (README, Performance).
 */
export function installAccessLog(app: FastifyInstance, failures: FailureSummary): void {
  // Declared up front so every request object keeps one shape (fastify's advice for speed).
  app.decorateRequest('principal', undefined);
  app.addHook('onResponse', (request, reply, done) => {
    const failed = reply.statusCode >= 500;
    if (failed) failures.count(request.failure?.code ?? 'server_error');
    const level = failed
      ? 'warn'
      : request.routeOptions.config.passthrough === true && reply.statusCode < 400
        ? 'debug'
        : 'info';
    request.log[level](
      {
        method: request.method,
        // The path only: a client may put a token in the query string, and logs keep it.
        url: pathOf(request.url),
        statusCode: reply.statusCode,
        responseTime: reply.elapsedTime,
        // Of which in vendor calls: whether a slow registration was the IdP or the gateway.
        // Members left undefined (outside registration routes) are not written: pino skips them.
        backendTime: request.backendTime?.ms,
        principal: request.principal,
        ...request.failure,
      },
      'request completed',
    );
    done();
  });
}

const pathOf = (url: string): string => {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
};

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A route that streams to an IdP (a site's passthrough), logged quieter. */
    passthrough?: boolean;
  }
  interface FastifyRequest {
    /** Who registered (set by the registration route), for the access log; never a credential. */
    principal: string | undefined;
  }
}
