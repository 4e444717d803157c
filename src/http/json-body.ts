import type { FastifyInstance } from 'fastify';
import { invalidRequest } from '../errors/index.js';

/**
 * JSON is the only body the gateway reads (RFC 7591 §3). Replaces fastify's parser so that a
 * broken body gets an OAuth error, not fastify's message.
 */
export function installJsonBody(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(invalidRequest('the request body is not valid JSON'), undefined);
    }
  });
  app.addContentTypeParser('*', (_request, _payload, done) => {
    done(invalidRequest('the request body must be application/json'), undefined);
  });
}
