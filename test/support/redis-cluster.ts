import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, until } from './redis-sentinel.js';

/** A three-node Redis Cluster on loopback (no replicas), started from `redis-server`. */
export interface ClusterSetup {
  /** `redis+cluster://127.0.0.1:<a>,127.0.0.1:<b>,127.0.0.1:<c>`, as the gateway takes it. */
  readonly url: string;
  readonly ports: readonly number[];
  close(): Promise<void>;
}

export async function startRedisCluster(): Promise<ClusterSetup> {
  const dir = mkdtempSync(join(tmpdir(), 'dcrgw-cluster-'));
  const ports = [await freePort(), await freePort(), await freePort()];
  const processes: ChildProcess[] = ports.map((port) =>
    spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        '--cluster-node-timeout',
        '2000',
      ],
      { cwd: dir, stdio: 'ignore' },
    ),
  );
  const node = (port: number) => new Redis({ port, host: '127.0.0.1', lazyConnect: true });
  for (const port of ports)
    await until(async () => {
      const client = node(port);
      client.on('error', () => undefined);
      try {
        return (await client.ping()) === 'PONG';
      } finally {
        client.disconnect();
      }
    }, `redis node ${port}`);
  const created = spawnSync(
    'redis-cli',
    [
      '--cluster',
      'create',
      ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ],
    { encoding: 'utf8' },
  );
  if (created.status !== 0)
    throw new Error(`redis-cli --cluster create: ${created.stdout}${created.stderr}`);
  await until(async () => {
    const client = node(ports[0]!);
    try {
      return ((await client.call('CLUSTER', 'INFO')) as string).includes('cluster_state:ok');
    } finally {
      client.disconnect();
    }
  }, 'cluster_state:ok');
  return {
    url: `redis+cluster://${ports.map((port) => `127.0.0.1:${port}`).join(',')}`,
    ports,
    async close() {
      for (const child of processes) child.kill('SIGKILL');
    },
  };
}
