import { Writable } from 'node:stream';
import { buildApp } from '../../src/app.js';
import type { Gateway } from '../../src/assemble.js';
import { createLogger } from '../../src/http/index.js';
import type { TestGateway } from './gateway.js';

/**
 * Builds the app from an assembled gateway (no config file), captures its logs at debug level,
 * listens on a loopback port chosen by the system and resolves once `/readyz` answers 200: a
 * Redis-backed gateway bypasses its cache until the connection is up.
 */
export async function listenGateway(gateway: Gateway): Promise<TestGateway> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const app = await buildApp(gateway, { logger: createLogger('debug', sink) });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    await untilReady(url);
  } catch (error) {
    await app.close();
    throw error;
  }
  return { url, app, logs, close: () => app.close() };
}

async function untilReady(url: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if ((await fetch(`${url}/readyz`)).ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${url} did not become ready`);
}
