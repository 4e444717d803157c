import type { FastifyError, FastifyInstance } from 'fastify';
import { GatewayError, invalidRequest, toWire } from '../errors/index.js';

/** An error answers one request: caches must not keep it (some come before any route hook). */
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

/**
 * Our own error handler and 404 handler: every failure leaves through `toWire` as JSON with a
 * request id, and the default handler (which echoes messages on 5xx) never runs.
 */
export function installErrorHandling(app: FastifyInstance, bodyLimitBytes: number): void {
  app.setErrorHandler((error: FastifyError | GatewayError, request, reply) => {
    const known = error instanceof GatewayError ? error : fromFastify(error, bodyLimitBytes);
    const wire = toWire(known ?? error, request.id);
    if (wire.status >= 500) {
      request.log.error({ err: error, code: known?.code, detail: known?.detail }, 'request failed');
    } else {
      request.log.info({ code: known?.code, detail: known?.detail }, wire.body.error_description);
    }
    void reply
      .code(wire.status)
      .headers({ ...NO_STORE, ...wire.headers })
      .send(wire.body);
  });
  app.setNotFoundHandler((request, reply) => {
    const wire = toWire(new GatewayError('not_found', 'no such resource'), request.id);
    void reply.code(wire.status).headers(NO_STORE).send(wire.body);
  });
}

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
