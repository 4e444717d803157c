import type { TestProject } from 'vitest/node';
import { startSentinelSetup } from './redis-sentinel.js';

/** When the `redis-sentinel` project's primary fails over: in the middle of the suite. */
const FAILOVER_AFTER_MS = 25_000;

/**
 * Global setup of the `redis-sentinel` test project: a Sentinel-managed primary and replica on
 * loopback, provided to its tests as `redisUrl`, with a failover FAILOVER_AFTER_MS into the
 * run, so the conformance suite runs across it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const sentinel = await startSentinelSetup();
  project.provide('redisUrl', sentinel.url);
  const timer = setTimeout(() => {
    sentinel.failover().then(
      () => process.stderr.write('redis-sentinel project: failover done\n'),
      (error: unknown) =>
        process.stderr.write(`redis-sentinel project: failover failed: ${String(error)}\n`),
    );
  }, FAILOVER_AFTER_MS);
  return async () => {
    clearTimeout(timer);
    await sentinel.close();
  };
}
