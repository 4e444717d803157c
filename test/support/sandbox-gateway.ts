import { afterAll, beforeAll } from 'vitest';
import { assemble } from '../../src/assemble.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/default-config.js';
import { listenGateway, type TestGateway } from './gateway.js';

/** The embedded default served on a real port, as `npm start` serves it (memory cache). */
export interface SandboxGateway {
  readonly sandbox: Sandbox;
  readonly gateway: TestGateway;
  /** `{gateway}{prefix}/register`. */
  readonly register: string;
}

/**
 * Starts the embedded default before the file's tests and stops it, backends included, after
 * them. Read the members inside tests: they exist once the file has started.
 */
export function useSandboxGateway(prefix: string): SandboxGateway {
  let started: { sandbox: Sandbox; gateway: TestGateway } | undefined;
  beforeAll(async () => {
    const sandbox = await startSandbox({ PORT: '0' });
    started = { sandbox, gateway: await listenGateway(assemble(sandbox.config)) };
  });
  afterAll(async () => {
    if (started === undefined) return;
    await started.gateway.close();
    await Promise.all(started.sandbox.backends.map((backend) => backend.close()));
  });
  const running = () => {
    if (started === undefined) throw new Error('the sandbox is not started yet');
    return started;
  };
  return {
    get sandbox() {
      return running().sandbox;
    },
    get gateway() {
      return running().gateway;
    },
    get register() {
      return `${running().gateway.url}${prefix}/register`;
    },
  };
}
