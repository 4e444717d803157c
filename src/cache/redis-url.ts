import type { RedisOptions } from 'ioredis';

/**
 * ioredis options for a `REDIS_URL`. Besides ioredis' own `redis://` and `rediss://` (one
 * node), `redis+sentinel://[user:password@]host:port[,host:port...]/master[/db]` names the
 * Sentinels that know the primary called `master`: the connection follows it through a
 * failover. The password (if any) is the primary's; Sentinels are asked without one.
 */
export function redisConnectionOptions(url: string): { url?: string; options: RedisOptions } {
  if (!url.startsWith('redis+sentinel://')) return { url, options: {} };
  const rest = url.slice('redis+sentinel://'.length);
  const at = rest.lastIndexOf('@');
  const credentials = at === -1 ? '' : rest.slice(0, at);
  const [hostList = '', name = '', db] = rest.slice(at + 1).split('/');
  const sentinels = hostList.split(',').map((entry) => {
    const parsed = new URL(`redis://${entry}`);
    return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port: Number(parsed.port || 26379) };
  });
  if (name === '' || sentinels.some((sentinel) => sentinel.host === ''))
    throw new Error('a Sentinel REDIS_URL is redis+sentinel://host:port[,host:port...]/master');
  const colon = credentials.indexOf(':');
  const username = colon === -1 ? '' : decodeURIComponent(credentials.slice(0, colon));
  const password = decodeURIComponent(colon === -1 ? credentials : credentials.slice(colon + 1));
  return {
    options: {
      sentinels,
      name: decodeURIComponent(name),
      ...(username === '' ? {} : { username }),
      ...(password === '' ? {} : { password }),
      ...(db === undefined || db === '' ? {} : { db: Number(db) }),
    },
  };
}
