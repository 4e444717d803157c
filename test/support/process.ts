import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export const MAIN = resolve(import.meta.dirname, '../../dist/main.js');

export interface GatewayProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts the built `dcr-gateway` binary on a free port and resolves once it logs that it is
 * ready; rejects with its output if it exits first or is not ready in 15 s (and kills it, so no
 * process outlives a failed test).
 */
export function spawnGateway(args: string[], env: Record<string, string>): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return new Promise((resolvePromise, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const ready = /"address":"(http:\/\/[^"]+)".*"msg":"dcr-gateway ready"/.exec(output);
      if (ready) {
        clearTimeout(timer);
        resolvePromise({
          url: ready[1]!,
          child,
          output: () => output,
          stop: async () => {
            child.kill('SIGTERM');
            await exited;
          },
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`gateway exited with ${code} before it was ready:\n${output}`)),
    );
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gateway not ready after 15 s:\n${output}`));
    }, 15_000).unref();
  });
}
