import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Cluster, Redis } from 'ioredis';
import { redisTarget, type RedisConnection } from '../../src/cache/index.js';
import { inject } from 'vitest';
import './cluster-setup.js';

/** The one Redis node of the machine: `REDIS_URL`, else the local default. */
export const STANDALONE_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * The real Redis the integration tests use: the `redis-cluster` or `redis-sentinel` project's
 * (test/support/cluster-setup.ts, sentinel-setup.ts), else the standalone node.
 */
export const REDIS_URL = inject('redisUrl') ?? STANDALONE_REDIS_URL;

/** A client of `REDIS_URL`, whatever its form (one node, Sentinel, Cluster). */
export function redisClient(): RedisConnection {
  const target = redisTarget(REDIS_URL);
  const options = { maxRetriesPerRequest: 1 };
  if (target.kind === 'cluster')
    return new Cluster(target.nodes, { redisOptions: { ...target.options, ...options } });
  return target.kind === 'node'
    ? new Redis(target.url, options)
    : new Redis({ ...target.options, ...options });
}

/** The nodes holding keys: the masters of a Cluster (once it knows them), else the one. */
async function keyHolders(redis: RedisConnection): Promise<Redis[]> {
  if (!(redis instanceof Cluster)) return [redis];
  if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
  return redis.nodes('master');
}

/** Every key matching `pattern`, on every node. */
export async function keysOf(redis: RedisConnection, pattern: string): Promise<string[]> {
  const found = await Promise.all((await keyHolders(redis)).map((node) => node.keys(pattern)));
  return found.flat();
}

/** Every key and its value, whatever the type, as text (on every node of a Cluster). */
export async function dumpRedis(redis: RedisConnection): Promise<string[]> {
  const out: string[] = [];
  for (const node of await keyHolders(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const type = await node.type(key);
        const value =
          type === 'string' ? await node.get(key) : JSON.stringify(await node.dump(key));
        out.push(`${key} ${value ?? ''}`);
      }
    } while (cursor !== '0');
  }
  return out;
}

/**
 * A TCP relay in front of the real Redis, to take it away from a gateway at run time: `cut`
 * closes every connection and the port (Redis is gone), `freeze` keeps them open but passes
 * nothing on (Redis hangs). `open` again on the same port brings it back.
 */
export class RedisRelay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly pipes = new Set<{ client: Socket; upstream: Socket }>();
  port = 0;

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async open(): Promise<void> {
    // Always the standalone node: a relay cannot stand in for a Cluster's or Sentinel's nodes.
    const target = new URL(STANDALONE_REDIS_URL);
    this.server = createServer((client) => {
      const upstream = connect(Number(target.port || 6379), target.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => this.sockets.delete(socket));
      }
      client.pipe(upstream).pipe(client);
      this.pipes.add({ client, upstream });
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Connections stay open and commands are read, but none reaches Redis and none is answered. */
  freeze(): void {
    for (const { client, upstream } of this.pipes) {
      client.unpipe(upstream);
      upstream.unpipe(client);
    }
    this.pipes.clear();
  }

  async cut(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}
