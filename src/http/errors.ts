import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError, invalidRequest, toWire } from '../errors/index.js';

/** An error answers one request: caches must not keep it (some come before any route hook). */
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

/**
 * Our own error handler, 404 handler and framework-error handler: every failure fastify sees
 * leaves through `toWire` as JSON with a request id, and the default handler (which echoes
 * messages on 5xx, and the path on a bad URL) never runs. Failures Node itself meets before
 * fastify has a request go through `clientErrorHandler`, in the same format.
 */
export function installErrorHandling(app: FastifyInstance, bodyLimitBytes: number): void {
  app.decorateRequest('failure', undefined);
  app.setErrorHandler((error: FastifyError | GatewayError, request, reply) => {
    sendError(
      request,
      reply,
      error instanceof GatewayError ? error : fromFastify(error, bodyLimitBytes),
      error,
    );
  });
  app.setNotFoundHandler((request, reply) => {
    sendError(request, reply, new GatewayError('not_found', 'no such resource'));
  });
}

/**
 * Fastify's `frameworkErrors` option: a path that is not valid percent-encoding, or a path
 * parameter over the router's length limit, answered before any hook runs (so the request id
 * header is set here). The path is not echoed: it may be 10 KB, or carry a token.
 */
export function frameworkErrors(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  void reply.header('x-request-id', request.id);
  const known = ROUTER_ERRORS[error.code]?.();
  sendError(request, reply, known, error);
}

/**
 * Fastify's `clientErrorHandler`: what Node refuses before there is a request (headers over
 * the size limit, a request not received within its timeout, malformed HTTP), written to the
 * socket in the gateway's format with a request id of its own, and the connection closed.
 */
export function clientErrorHandler(
  this: FastifyInstance,
  error: NodeJS.ErrnoException,
  socket: Socket,
): void {
  // A reset connection has no one left to answer (Node's advice for `clientError`).
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const known = NODE_ERRORS[error.code ?? '']?.() ?? notHttp();
  const wire = toWire(known, randomUUID());
  this.log.info({ code: error.code, requestId: wire.body.request_id }, wire.body.error_description);
  if (socket.writable) {
    const body = JSON.stringify(wire.body);
    const headers = {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      'x-request-id': wire.body.request_id,
      ...NO_STORE,
      ...wire.headers,
      connection: 'close',
    };
    const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
    socket.write(
      `HTTP/1.1 ${wire.status} ${STATUS_CODES[wire.status]}\r\n${head.join('')}\r\n${body}`,
    );
  }
  socket.destroy();
}

function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  known: GatewayError | undefined,
  original: unknown = known,
): void {
  const wire = toWire(known ?? original, request.id);
  // The access log writes the one line of a failed request; a stack only helps with our own bugs.
  request.failure = known === undefined ? { code: 'server_error' } : describeFailure(known);
  if (known === undefined) request.log.error({ err: original }, 'unexpected error');
  void reply
    .code(wire.status)
    .headers({ ...NO_STORE, ...wire.headers })
    .send(wire.body);
}

/**
 * An error as a log line's fields: an expected failure by its code and detail, anything else
 * (a bug of ours) with its stack.
 */
export function describeError(error: unknown): Failure | { err: unknown } {
  return error instanceof GatewayError ? describeFailure(error) : { err: error };
}

/** What the logs keep of an expected failure: its code, private detail and the cause's code. */
function describeFailure(error: GatewayError): Failure {
  const cause = error.cause as { code?: unknown; cause?: { code?: unknown } } | undefined;
  const causeCode = cause?.code ?? cause?.cause?.code;
  return {
    code: error.code,
    ...(error.detail === undefined ? {} : { detail: error.detail }),
    ...(typeof causeCode === 'string' ? { cause: causeCode } : {}),
  };
}

/** A failed request as its access log line describes it; never a credential or vendor body. */
export interface Failure {
  readonly code: string;
  readonly detail?: string;
  readonly cause?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    failure: Failure | undefined;
  }
}

type ErrorFactory = () => GatewayError;

/** The router's refusals (`frameworkErrors`) in our vocabulary; never echoing the path. */
const ROUTER_ERRORS: Readonly<Record<string, ErrorFactory>> = {
  FST_ERR_MAX_PARAM_LENGTH: () => new GatewayError('uri_too_long', 'the request path is too long'),
  FST_ERR_BAD_URL: () => invalidRequest('the request path is not valid percent-encoding'),
};

/** Node's parser and timeout errors (`clientError`) in our vocabulary; the rest is bad HTTP. */
const NODE_ERRORS: Readonly<Record<string, ErrorFactory>> = {
  ERR_HTTP_REQUEST_TIMEOUT: () =>
    new GatewayError('request_timeout', 'the request was not received in time'),
  HPE_HEADER_OVERFLOW: () =>
    new GatewayError('headers_too_large', 'the request headers are too large'),
};
const notHttp: ErrorFactory = () => invalidRequest('the request is not valid HTTP');

/** Fastify's own client errors (body parsing, limits) in our vocabulary. */
function fromFastify(error: FastifyError, bodyLimitBytes: number): GatewayError | undefined {
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new GatewayError(
      'payload_too_large',
      `the request body exceeds ${bodyLimitBytes} bytes`,
    );
  }
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return invalidRequest('the request body must be application/json');
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return invalidRequest('the request is malformed');
  }
  return undefined;
}
