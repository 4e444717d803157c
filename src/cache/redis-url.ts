import type { ClusterNode, RedisOptions } from 'ioredis';

/**
 * What a `REDIS_URL` connects to. Besides ioredis' own `redis://` and `rediss://` (one
 * node), `redis+sentinel://[user:password@]host:port[,host:port...]/master[/db]` names the
 * Sentinels that know the primary called `master`: the connection follows it through a
 * failover. The password (if any) is the primary's; Sentinels are asked without one.
 * `redis+cluster://[user:password@]host:port[,host:port...]` names seed nodes of a Redis
 * Cluster (every key the gateway writes is used alone, so any slot layout works).
 */
export type RedisTarget =
  | { readonly kind: 'node'; readonly url: string }
  | { readonly kind: 'sentinel'; readonly options: RedisOptions }
  | { readonly kind: 'cluster'; readonly nodes: ClusterNode[]; readonly options: RedisOptions };

export function redisTarget(url: string): RedisTarget {
  const scheme = /^redis\+(sentinel|cluster):\/\//.exec(url);
  if (scheme === null) return { kind: 'node', url };
  const rest = url.slice(scheme[0].length);
  const at = rest.lastIndexOf('@');
  const credentials = at === -1 ? '' : rest.slice(0, at);
  const [hostList = '', name = '', db] = rest.slice(at + 1).split('/');
  const hosts = hostList.split(',').map((entry) => {
    const parsed = URL.canParse(`redis://${entry}`) ? new URL(`redis://${entry}`) : undefined;
    return {
      host: parsed?.hostname.replace(/^\[|\]$/g, '') ?? '',
      port: Number(parsed?.port || (scheme[1] === 'sentinel' ? 26379 : 6379)),
    };
  });
  const colon = credentials.indexOf(':');
  const username = colon === -1 ? '' : decodeURIComponent(credentials.slice(0, colon));
  const password = decodeURIComponent(colon === -1 ? credentials : credentials.slice(colon + 1));
  const auth = {
    ...(username === '' ? {} : { username }),
    ...(password === '' ? {} : { password }),
  };
  if (hosts.some((host) => host.host === ''))
    throw new Error(`a ${scheme[1]} REDIS_URL lists host:port pairs separated by commas`);
  if (scheme[1] === 'cluster') return { kind: 'cluster', nodes: hosts, options: auth };
  if (name === '')
    throw new Error('a Sentinel REDIS_URL is redis+sentinel://host:port[,host:port...]/master');
  return {
    kind: 'sentinel',
    options: {
      sentinels: hosts,
      name: decodeURIComponent(name),
      ...auth,
      ...(db === undefined || db === '' ? {} : { db: Number(db) }),
    },
  };
}
