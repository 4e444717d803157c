import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** A Sentinel-managed Redis on loopback: a primary, a replica and one Sentinel. */
export interface SentinelSetup {
  /** `redis+sentinel://127.0.0.1:<sentinel>/<master>`, as the gateway takes it. */
  readonly url: string;
  /** The port of the primary now, as the Sentinel reports it. */
  primaryPort(): Promise<number>;
  /** Asks the Sentinel for a failover and resolves once the replica was promoted. */
  failover(): Promise<void>;
  close(): Promise<void>;
}

const MASTER = 'dcrgw';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 150; attempt++) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`redis setup: ${what} not reached in 15 s`);
}

/** Starts the three `redis-server` processes in a temporary directory (nothing persisted). */
export async function startSentinelSetup(): Promise<SentinelSetup> {
  const dir = mkdtempSync(join(tmpdir(), 'dcrgw-sentinel-'));
  const [primary, replica, sentinel] = [await freePort(), await freePort(), await freePort()];
  const processes: ChildProcess[] = [];
  const server = (args: string[]) => {
    const child = spawn('redis-server', args, { cwd: dir, stdio: 'ignore' });
    processes.push(child);
  };
  const common = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  server(['--port', String(primary), ...common]);
  server(['--port', String(replica), ...common, '--replicaof', '127.0.0.1', String(primary)]);
  const config = join(dir, 'sentinel.conf');
  writeFileSync(
    config,
    [
      `port ${sentinel}`,
      'bind 127.0.0.1',
      `sentinel monitor ${MASTER} 127.0.0.1 ${primary} 1`,
      `sentinel down-after-milliseconds ${MASTER} 1000`,
      `sentinel failover-timeout ${MASTER} 5000`,
      '',
    ].join('\n'),
  );
  server([config, '--sentinel']);
  const ask = new Redis({
    port: sentinel,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 1,
  });
  ask.on('error', () => undefined); // refused until the Sentinel listens: retried below
  const primaryPort = async () =>
    Number(
      ((await ask.call('SENTINEL', 'get-master-addr-by-name', MASTER)) as [string, string])[1],
    );
  await until(async () => {
    const replicas = (await ask.call('SENTINEL', 'replicas', MASTER)) as string[][];
    return replicas.some((fields) => fields[fields.indexOf('flags') + 1] === 'slave');
  }, 'the replica known to the Sentinel');
  return {
    url: `redis+sentinel://127.0.0.1:${sentinel}/${MASTER}`,
    primaryPort,
    async failover() {
      const before = await primaryPort();
      await ask.call('SENTINEL', 'failover', MASTER);
      await until(async () => (await primaryPort()) !== before, 'the failover');
    },
    async close() {
      ask.disconnect();
      for (const child of processes) child.kill('SIGKILL');
    },
  };
}
