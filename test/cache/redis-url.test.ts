import { describe, expect, it } from 'vitest';
import { redisTarget } from '../../src/cache/redis-url.js';

describe('REDIS_URL forms', () => {
  it('leaves one node to ioredis as written', () => {
    for (const url of ['redis://127.0.0.1:6379', 'rediss://u:p@cache.internal:6380/2'])
      expect(redisTarget(url)).toStrictEqual({ kind: 'node', url });
  });

  it('reads Sentinels, the primary name, its credentials and database', () => {
    expect(
      redisTarget('redis+sentinel://app:s%40cret@10.0.0.1:26379,[::1]:26380/main/3'),
    ).toStrictEqual({
      kind: 'sentinel',
      options: {
        sentinels: [
          { host: '10.0.0.1', port: 26379 },
          { host: '::1', port: 26380 },
        ],
        name: 'main',
        username: 'app',
        password: 's@cret',
        db: 3,
      },
    });
    expect(redisTarget('redis+sentinel://s1,s2/m')).toStrictEqual({
      kind: 'sentinel',
      options: {
        sentinels: [
          { host: 's1', port: 26379 },
          { host: 's2', port: 26379 },
        ],
        name: 'm',
      },
    });
  });

  it('reads Cluster seed nodes and a password', () => {
    expect(redisTarget('redis+cluster://:pw@n1:7000,n2')).toStrictEqual({
      kind: 'cluster',
      nodes: [
        { host: 'n1', port: 7000 },
        { host: 'n2', port: 6379 },
      ],
      options: { password: 'pw' },
    });
  });

  it('refuses a Sentinel URL without a primary name, or a list with an empty host, naming no secret', () => {
    expect(() => redisTarget('redis+sentinel://u:hunter2@s1:26379')).toThrow(
      /^a Sentinel REDIS_URL is redis\+sentinel:\/\/host:port\[,host:port\.\.\.\]\/master$/,
    );
    expect(() => redisTarget('redis+cluster://:hunter2@n1,,n2')).toThrow(
      'a cluster REDIS_URL lists host:port pairs separated by commas',
    );
  });
});
