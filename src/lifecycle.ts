import { createServer } from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './app.js';
import { loadGateway, type Gateway } from './assemble.js';
import type { Env, GatewayConfig } from './config/load.js';
import {
  createListener,
  createMainServer,
  describeError,
  listen,
  listenerSettings,
  type Listener,
} from './http/index.js';
import { FileError } from './lib/yaml-source.js';

/** The gateway listening: its servers outlive the apps a reload swaps behind them. */
export interface RunningGateway {
  readonly config: GatewayConfig;
  readonly app: FastifyInstance;
  readonly main: Listener;
  /** With `metrics.port`: the metrics app's own listener. */
  readonly metrics: Listener | undefined;
  readonly address: string;
  readonly metricsAddress: string | undefined;
}

/** Builds the app and listens with servers `main.ts` owns (see `createListener`). */
export async function startGateway(gateway: Gateway, logger: Logger): Promise<RunningGateway> {
  const { config } = gateway;
  const app = await readyApp(gateway, logger);
  const main = createListener(createMainServer(config.server), app);
  const metrics = app.metricsApp && createListener(createServer(), app.metricsApp);
  const address = await listen(main.server, config.server.host, config.server.port);
  const at = config.metrics.listener;
  const metricsAddress = metrics && at && (await listen(metrics.server, at.host, at.port));
  return { config, app, main, metrics, address, metricsAddress };
}

export interface Lifecycle {
  /** Loads `file` again and serves it, or logs why not and keeps the config it has. */
  reload(file: string): void;
  /**
   * Drains (see `Listener.drain`), closes everything, resolves with the exit code: 1 when
   * requests were still open at the bound. Called again, it answers the first drain's promise.
   */
  drain(signal: string): Promise<number>;
}

/**
 * Reloads and drains `running`: one at a time, a reload while draining is skipped and a
 * second drain only logged.
 */
export function createLifecycle(
  running: RunningGateway,
  options: { logger: Logger; env: Env; closeAlso: () => Promise<void> },
): Lifecycle {
  const { logger } = options;
  const { main, metrics } = running;
  let current = { config: running.config, app: running.app };
  let draining = false;
  let drained: Promise<number> | undefined;
  let reloading = Promise.resolve();

  const reload = async (file: string) => {
    const next = nextGateway(file, options.env, current.config, logger);
    if (next === undefined) return;
    const nextApp = await readyApp(next, logger);
    if (draining) return void (await nextApp.close());
    const previous = main.switchTo(nextApp);
    const previousMetrics = metrics?.switchTo(nextApp.metricsApp!);
    current = { config: next.config, app: nextApp };
    const routes = next.config.routes.map((route) => route.prefix);
    logger.info({ config: file, routes }, 'config reloaded');
    const grace = next.config.server.shutdownGraceMs;
    const open = await Promise.all([previous.settled(grace), previousMetrics?.settled(grace)]);
    const stillOpen = open.reduce<number>((sum, count) => sum + (count ?? 0), 0);
    if (stillOpen > 0)
      logger.warn(
        { open: stillOpen, shutdownGraceMs: grace },
        'closing the previous config with requests still open',
      );
    await previous.app.close();
  };

  const drain = async (signal: string) => {
    const grace = current.config.server.shutdownGraceMs;
    logger.info(
      { signal, shutdownGraceMs: grace },
      'draining: no new connections, finishing the requests in flight',
    );
    const [open] = await Promise.all([main.drain(grace), metrics?.drain(grace)]);
    await reloading;
    if (open > 0)
      logger.warn(
        { open, shutdownGraceMs: grace },
        'requests still open at shutdown_grace_ms: their connections were closed',
      );
    await current.app.close();
    await options.closeAlso();
    logger.info({ open }, 'drained, exiting');
    // The pending asynchronous writes first: the exit's own flush could overtake them.
    await new Promise<void>((done) => logger.flush(() => done()));
    return open > 0 ? 1 : 0;
  };

  return {
    reload(file) {
      if (draining) return;
      reloading = reloading.then(() =>
        reload(file).catch((error: unknown) =>
          logger.error(
            describeError(error),
            'config reload failed, still serving the previous config',
          ),
        ),
      );
    },
    drain(signal) {
      if (drained !== undefined) {
        logger.info({ signal }, 'already draining');
        return drained;
      }
      draining = true;
      drained = drain(signal);
      return drained;
    },
  };
}

/** Built for `createListener`, its routes (and its metrics app's) ready to take requests. */
async function readyApp(gateway: Gateway, logger: Logger): Promise<FastifyInstance> {
  const app = await buildApp(gateway, { logger, detached: true });
  await app.ready();
  await app.metricsApp?.ready();
  return app;
}

/**
 * The config `file` holds now, checked as at start; undefined (and the reason logged) when it
 * is invalid or changes what only a restart can (the listeners).
 */
function nextGateway(
  file: string,
  env: Env,
  running: GatewayConfig,
  logger: Logger,
): Gateway | undefined {
  let next: Gateway;
  try {
    next = loadGateway(file, env);
  } catch (error) {
    if (!(error instanceof FileError)) throw error;
    logger.error(`config reload refused, still serving the previous config:\n${error.message}`);
    return undefined;
  }
  const before = listenerSettings(running);
  const after = listenerSettings(next.config);
  const changed = Object.keys(before).filter((key) => !isDeepStrictEqual(before[key], after[key]));
  if (changed.length === 0) return next;
  logger.error(
    { changed },
    'config reload refused, still serving the previous config: these settings need a restart',
  );
  return undefined;
}
