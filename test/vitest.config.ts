import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: resolve(import.meta.dirname, '..'),
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'main', include: ['test/**/*.test.ts'] } },
      {
        // The conformance suite once more, every gateway's Redis a three-node Cluster.
        extends: true,
        test: {
          name: 'redis-cluster',
          include: ['test/conformance/**/*.test.ts', 'test/e2e/idempotency.test.ts'],
          globalSetup: ['test/support/cluster-setup.ts'],
        },
      },
      {
        // And with a Sentinel-managed primary that fails over in the middle of the run.
        extends: true,
        test: {
          name: 'redis-sentinel',
          include: ['test/conformance/**/*.test.ts'],
          globalSetup: ['test/support/sentinel-setup.ts'],
        },
      },
    ],
  },
});
