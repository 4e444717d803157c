import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import './cluster-setup.js';

/**
 * The real Redis the integration tests use: the `redis-cluster` project's cluster
 * (test/support/cluster-setup.ts), else `REDIS_URL`, else the local default.
 */
export const REDIS_URL = inject('redisUrl') ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export function redisClient(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
}

/** Every key and its value, whatever the type, as text. */
export async function dumpRedis(redis: Redis): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      const value =
        type === 'string' ? await redis.get(key) : JSON.stringify(await redis.dump(key));
      out.push(`${key} ${value ?? ''}`);
    }
  } while (cursor !== '0');
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
    const target = new URL(REDIS_URL);
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
