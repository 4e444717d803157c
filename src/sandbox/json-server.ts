import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A simulator's answer: a status and, unless empty, a JSON body. */
export interface Reply {
  readonly status: number;
  readonly body?: unknown;
}

export interface JsonServer<R extends Reply> {
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string;
  /** Starts answering: each request's whole body goes to `route`. */
  serve(route: (request: IncomingMessage, body: string) => R): void;
  close(): Promise<void>;
}

export interface JsonServerOptions<R extends Reply> {
  readonly port?: number | undefined;
  /** The vendor's JSON content type (some add `; charset=utf-8`). */
  readonly contentType: string;
  /** The answer when `route` throws: a simulator bug must not hang the caller. */
  readonly onBug: R;
  /** Sees every request with its answer (e.g. to record refusals). */
  readonly observe?: (request: IncomingMessage, reply: R) => void;
}

/**
 * The HTTP side every in-process vendor simulator shares: a loopback listener that reads the
 * whole body, asks the simulator's router for a `Reply` and writes it as JSON. Listening comes
 * first (`serve` later), since routers build URLs from the origin.
 */
export async function startJsonServer<R extends Reply>(
  options: JsonServerOptions<R>,
): Promise<JsonServer<R>> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    serve(route) {
      server.on('request', (request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          let reply: R;
          try {
            reply = route(request, Buffer.concat(chunks).toString('utf8'));
          } catch {
            reply = options.onBug;
          }
          options.observe?.(request, reply);
          if (reply.body === undefined) response.writeHead(reply.status).end();
          else
            response
              .writeHead(reply.status, { 'content-type': options.contentType })
              .end(JSON.stringify(reply.body));
        });
      });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
