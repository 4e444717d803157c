import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { invalidRequest } from '../errors/index.js';

/**
 * JSON is the only body the gateway reads (RFC 7591 §3). Replaces fastify's parser so that a
 * broken body gets an OAuth error, not fastify's message. An empty body is no body, whatever
 * its content type: clients that label every request `application/json` can still DELETE, and
 * POST or PUT without a body are refused by the pipeline as not a JSON object.
 */
export function installJsonBody(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    if (body === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(invalidRequest('the request body is not valid JSON'), undefined);
    }
  });
  app.addContentTypeParser('*', (request, _payload, done) => {
    if (hasBody(request.headers))
      done(invalidRequest('the request body must be application/json'), undefined);
    else done(null, undefined);
  });
}

/** RFC 9112 §6.3: without Transfer-Encoding, only a non-zero Content-Length announces a body. */
function hasBody(headers: IncomingHttpHeaders): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
