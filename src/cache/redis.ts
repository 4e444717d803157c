import { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Cache } from './cache.js';
import { redisTarget } from './redis-url.js';

/** A connection to one node, a Sentinel-managed primary, or a Cluster. */
export type RedisConnection = Redis | Cluster;

export interface RedisCacheOptions {
  readonly url: string;
  /** Longest a request waits on Redis before treating it as down. */
  readonly commandTimeoutMs: number;
}

/** The Redis cache and its connection, which rate limits share (one pool of sockets, one timeout). */
export interface RedisCache extends Cache {
  readonly connection: RedisConnection;
}

/**
 * Redis (ioredis) adapter. Commands never queue while Redis is away and time out quickly, so a
 * Redis outage costs a request a miss, not a hang or an error.
 */
export function createRedisCache(options: RedisCacheOptions, logger: Logger): RedisCache {
  const target = redisTarget(options.url);
  const settings = {
    ...(target.kind === 'node' ? {} : target.options),
    enableOfflineQueue: false,
    // Commands issued in the same tick leave in one write: under load a socket write per
    // command was most of a cached read's Redis cost (README, Performance).
    enableAutoPipelining: true,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: 2_000,
    retryStrategy: (attempt: number) => Math.min(attempt * 200, 2_000),
    sentinelRetryStrategy: (attempt: number) => Math.min(attempt * 200, 2_000),
    // A failover: behind a Sentinel, the switch it announces moves the connection at once;
    // a demoted primary that kept the connection open refuses writes with READONLY, which
    // reconnects (to the primary the Sentinel names, or the address that now points to it).
    failoverDetector: true,
    reconnectOnError: (error: Error) => error.message.startsWith('READONLY'),
  };
  const redis: RedisConnection =
    target.kind === 'node'
      ? new Redis(target.url, settings)
      : target.kind === 'sentinel'
        ? new Redis(settings)
        : new Cluster(target.nodes, {
            redisOptions: settings,
            enableOfflineQueue: false,
            enableAutoPipelining: true,
            clusterRetryStrategy: settings.retryStrategy,
          });
  let warned = false;
  redis.on('error', (error: Error) => {
    if (!warned)
      logger.warn({ err: { message: error.message } }, 'redis unavailable; cache bypassed');
    warned = true;
  });
  redis.on('ready', () => {
    if (warned) logger.info('redis available again');
    warned = false;
  });
  const bypass = async <T>(command: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await command();
    } catch {
      return fallback;
    }
  };
  return {
    connection: redis,
    get: (key) => bypass(async () => (await redis.get(key)) ?? undefined, undefined),
    set: (key, value, ttlSeconds) =>
      bypass(async () => void (await redis.set(key, value, 'EX', ttlSeconds)), undefined),
    delete: (key) => bypass(async () => void (await redis.del(key)), undefined),
    ready: () => bypass(async () => (await redis.ping()) === 'PONG', false),
    async close() {
      redis.disconnect();
    },
  };
}
