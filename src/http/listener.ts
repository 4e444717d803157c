import { createServer as createHttpServer, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { GatewayConfig } from '../config/load.js';

/**
 * Options of the main listener's node server: HTTP, or HTTPS with `server.tls`. Client
 * certificates are asked for but never required by the handshake (`rejectUnauthorized: false`):
 * the gateway decides per route and answers with an OAuth error rather than a TLS alert.
 */
export function listenerOptions(server: GatewayConfig['server']) {
  const { timeouts, tls } = server;
  // Node checks both request timeouts on this interval (30 s by default), which would add up
  // to 30 s to every bound.
  const http = {
    headersTimeout: timeouts.headersMs,
    connectionsCheckingInterval: Math.min(1_000, Math.ceil(timeouts.headersMs / 2)),
    requireHostHeader: false,
  };
  if (tls === undefined) return { http };
  return {
    https: {
      ...http,
      cert: tls.certificate,
      key: tls.key,
      ...(tls.clientCa === undefined ? {} : { ca: tls.clientCa }),
      requestCert: tls.requestClientCertificate,
      rejectUnauthorized: false,
    },
  };
}

/**
 * The main listener's node server, with the bounds fastify would set on a server of its own.
 * It outlives the apps it serves (`createListener`), so these settings only change on restart.
 */
export function createMainServer(settings: GatewayConfig['server']): Server {
  const options = listenerOptions(settings);
  const server: Server =
    options.https === undefined ? createHttpServer(options.http) : createHttpsServer(options.https);
  server.requestTimeout = settings.timeouts.requestMs;
  server.keepAliveTimeout = settings.timeouts.keepAliveMs;
  server.maxConnections = settings.maxConnections;
  return server;
}

/** The config settings a reload cannot apply: the listening servers are made from them. */
export function listenerSettings(config: GatewayConfig): Record<string, unknown> {
  const { host, port, timeouts, maxConnections, tls } = config.server;
  return {
    'server.host': host,
    'server.port': port,
    'server.timeouts': timeouts,
    'server.max_connections': maxConnections,
    'server.tls': tls,
    'metrics.host/port': config.metrics.listener,
  };
}

/** One app behind a listener and its requests still open. */
export interface Generation {
  readonly app: FastifyInstance;
  /**
   * Resolves once none of the app's requests is open, or at `graceMs`: with the number still
   * open then.
   */
  settled(graceMs: number): Promise<number>;
}

/** A node server whose requests go to the app it was last switched to. */
export interface Listener {
  readonly server: Server;
  /**
   * Requests from now on go to `app`; those in flight finish on the app before, returned so
   * that the caller closes it once settled.
   */
  switchTo(app: FastifyInstance): Generation;
  /**
   * Stops accepting connections, closes idle ones, lets every app's open requests finish
   * within `graceMs`, then closes every connection left. Resolves with the number of requests
   * that were still open at the bound.
   */
  drain(graceMs: number): Promise<number>;
}

/**
 * Serves `server`'s requests with `app` (built with `detached: true` and ready), through
 * fastify's own routing (the handler its server would have), until switched to another.
 */
export function createListener(server: Server, app: FastifyInstance): Listener {
  const generations = new Set<TrackedGeneration>();
  let current = track(app, generations);
  let draining = false;
  server.on('request', (request, response: ServerResponse) => {
    const serving = current;
    // A request arriving on a kept-alive connection during the drain is served, then its
    // connection closed, so the caller's next request goes to another instance.
    if (draining) response.setHeader('connection', 'close');
    serving.open++;
    response.once('close', () => {
      serving.finished();
      if (draining) server.closeIdleConnections();
    });
    serving.app.routing(request, response);
  });
  // Malformed requests and header timeouts: the app's own answers (`clientErrorHandler`).
  server.on('clientError', (error: Error, socket: Socket) =>
    current.app.server.emit('clientError', error, socket),
  );
  return {
    server,
    switchTo(next) {
      const previous = current;
      current = track(next, generations);
      previous.retire();
      return previous;
    },
    async drain(graceMs) {
      draining = true;
      server.close();
      server.closeIdleConnections();
      const open = await Promise.all([...generations].map((each) => each.settled(graceMs)));
      server.closeAllConnections();
      return open.reduce((sum, count) => sum + count, 0);
    },
  };
}

interface TrackedGeneration extends Generation {
  open: number;
  finished(): void;
  /** No request will reach it any more: forgotten once its last one is done. */
  retire(): void;
}

function track(app: FastifyInstance, generations: Set<TrackedGeneration>): TrackedGeneration {
  const waiting = new Set<() => void>();
  let retired = false;
  const generation: TrackedGeneration = {
    app,
    open: 0,
    finished() {
      generation.open--;
      if (generation.open > 0) return;
      for (const wake of waiting) wake();
      if (retired) generations.delete(generation);
    },
    retire() {
      retired = true;
      if (generation.open === 0) generations.delete(generation);
    },
    settled(graceMs) {
      if (generation.open === 0) return Promise.resolve(0);
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          waiting.delete(done);
          resolve(generation.open);
        };
        const timer = setTimeout(done, graceMs);
        waiting.add(done);
      });
    },
  };
  generations.add(generation);
  return generation;
}

/** Listens on `host`:`port` and resolves with the address as a URL, as fastify reports it. */
export function listen(server: Server, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const name = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      const scheme = 'setSecureContext' in server ? 'https' : 'http';
      resolve(`${scheme}://${name}:${address.port}`);
    });
  });
}
