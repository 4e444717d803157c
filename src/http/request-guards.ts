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
  app.addHook('onRequest', async (request) => {
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined)
      throw invalidRequest('the request has no Host header');
    const raw = request.raw.rawHeaders;
    let authorizations = 0;
    for (let index = 0; index < raw.length; index += 2)
      if (raw[index]!.toLowerCase() === 'authorization') authorizations++;
    if (authorizations > 1)
      throw invalidRequest('the request has more than one Authorization header');
  });
}
