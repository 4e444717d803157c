import { PassThrough, type Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../errors/index.js';
import { hasBody } from './json-body.js';

/**
 * A body must arrive within `ms` of its headers, however it is dribbled: Node bounds the whole
 * request (`requestTimeout`) but nothing bounds the body alone. The body is read through a
 * stream that fails with a 408 when the time is up; the error handler answers it, and the
 * connection is closed since the rest of the body will not be read.
 */
export function installBodyDeadline(app: FastifyInstance, ms: number): void {
  app.addHook('preParsing', async (request, reply, payload) => {
    // A body that came with its headers (most do) is already in: nothing left to wait for.
    if (!hasBody(request.headers) || request.raw.complete) return payload;
    const bounded = new PassThrough();
    const timer = setTimeout(() => {
      void reply.header('connection', 'close');
      // Destroying the destination also unpipes it from the request.
      bounded.destroy(
        new GatewayError('request_timeout', `the request body was not received within ${ms} ms`),
      );
    }, ms);
    // 'close' follows both the end of the body and a destroy.
    bounded.once('close', () => clearTimeout(timer));
    payload.on('error', (error) => bounded.destroy(error));
    // Fastify listens for errors once it reads the body; a request aborted before that (its
    // connection closed on a parse error) must not become an uncaught exception meanwhile.
    bounded.on('error', ignore);
    return payload.pipe(bounded) as Readable & typeof payload;
  });
}

const ignore = (): void => undefined;
