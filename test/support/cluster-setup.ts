import type { TestProject } from 'vitest/node';
import { startRedisCluster } from './redis-cluster.js';

/**
 * Global setup of the `redis-cluster` test project: a three-node Redis Cluster on loopback for
 * the whole run, provided to its tests as `redisUrl` (test/support/redis.ts reads it), so the
 * conformance suite runs once more with every gateway on the cluster.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await startRedisCluster();
  project.provide('redisUrl', cluster.url);
  return () => cluster.close();
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string | undefined;
  }
}
