import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { invalidRequest } from '../errors/index.js';
import { COMPACT_JWS } from '../lib/compact-jose.js';
import { depthOf, MAX_JSON_DEPTH } from '../lib/json-depth.js';

export { depthOf, MAX_JSON_DEPTH } from '../lib/json-depth.js';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * JSON is the only body the gateway reads (RFC 7591 §3). Replaces fastify's parser so that a
 * broken body gets an OAuth error, not fastify's message. An empty body is no body, whatever
 * its content type: clients that label every request `application/json` can still DELETE, and
 * POST or PUT without a body are refused by the pipeline as not a JSON object.
 */
export function installJsonBody(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.addContentTypeParser('*', (request, _payload, done) => {
    if (hasBody(request.headers))
      done(invalidRequest('the request body must be application/json'), undefined);
    else done(null, undefined);
  });
}

/**
 * On a route that accepts signed registration requests: an `application/jwt` body, read within
 * the body limit like JSON, as its compact JWS text (inbound authentication verifies it). Only
 * a registration (POST) may be signed; an update stays JSON.
 */
export function installSignedRequestBody(app: FastifyInstance): void {
  app.addContentTypeParser('application/jwt', { parseAs: 'buffer' }, (request, body, done) => {
    try {
      done(null, parseSignedRequestBody(request.method, body as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

/** A compact JWS in ASCII, surrounding line breaks and spaces aside; empty is no body. */
export function parseSignedRequestBody(method: string, bytes: Buffer): string | undefined {
  if (method !== 'POST') throw invalidRequest('the request body must be application/json');
  if (bytes.length === 0) return undefined;
  const text = bytes.toString('latin1').replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
  if (!COMPACT_JWS.test(text))
    throw invalidRequest('an application/jwt body must be a compact JWS');
  return text;
}

/**
 * The request body as JSON: empty is no body; otherwise UTF-8 (RFC 8259 §8.1: a lenient
 * decoder would register U+FFFD in place of a broken sequence), JSON, and nested at most
 * MAX_JSON_DEPTH levels. Anything else is an `invalid_request`.
 */
export function parseJsonBody(bytes: Buffer): unknown {
  if (bytes.length === 0) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(UTF8.decode(bytes));
  } catch (error) {
    throw invalidRequest(
      error instanceof SyntaxError
        ? 'the request body is not valid JSON'
        : 'the request body is not valid UTF-8',
    );
  }
  if (depthOf(parsed) > MAX_JSON_DEPTH)
    throw invalidRequest(`the request body nests deeper than ${MAX_JSON_DEPTH} levels`);
  return parsed;
}

/** RFC 9112 §6.3: without Transfer-Encoding, only a non-zero Content-Length announces a body. */
export function hasBody(headers: IncomingHttpHeaders): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
