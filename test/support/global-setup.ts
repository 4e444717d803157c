import { execFileSync } from 'node:child_process';

/**
 * Builds `dist/` once: the multi-process and CLI tests run the real `dcr-gateway` binary, as
 * users do, not the sources through a loader.
 */
export default function setup(): void {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
}
