import type { FastifyInstance } from 'fastify';
import { invalidRequest } from '../errors/index.js';

/**
 * Checks on the raw request before any route runs. Node keeps the first of two Authorization
 * headers and drops the other, so which credential counts would depend on the order a proxy
 * wrote them in: RFC 6750 §2 allows one method per request, and a second header is refused.
 */
export function installRequestGuards(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    const raw = request.raw.rawHeaders;
    let authorizations = 0;
    for (let index = 0; index < raw.length; index += 2)
      if (raw[index]!.toLowerCase() === 'authorization') authorizations++;
    if (authorizations > 1)
      throw invalidRequest('the request has more than one Authorization header');
  });
}
