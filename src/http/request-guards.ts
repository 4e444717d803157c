import type { FastifyInstance } from 'fastify';
import { invalidRequest } from '../errors/index.js';

/**
 * Checks on the raw request before any route runs. Node keeps the first of two Authorization
 * headers and drops the other, so which credential counts would depend on the order a proxy
 * wrote them in: RFC 6750 §2 allows one method per request, and a second header is refused.
 * An HTTP/1.1 request without Host is refused here (RFC 9112 §3.2) rather than by Node, which
 * would answer it with an empty 400 of its own (the server is built with `requireHostHeader`
 * off for that reason).
 */
export function installRequestGuards(app: FastifyInstance): void {
  // A callback hook: it runs on every request, passthrough included (no promise per request).
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined)
      return done(invalidRequest('the request has no Host header'));
    const raw = request.raw.rawHeaders;
    let authorizations = 0;
    for (let index = 0; index < raw.length; index += 2)
      if (raw[index]!.length === 13 && raw[index]!.toLowerCase() === 'authorization')
        authorizations++;
    if (authorizations > 1)
      return done(invalidRequest('the request has more than one Authorization header'));
    done();
  });
}
