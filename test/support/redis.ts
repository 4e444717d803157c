import { Redis } from 'ioredis';

/** The real Redis the integration tests use: `REDIS_URL`, else the local default. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

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
