import { execFileSync, execSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, expect, it } from 'vitest';
import { execForm, parseDockerfile, parseEnv, type Stage } from './dockerfile.js';

/**
 * No Docker engine runs here, so the image build is replayed by hand: the build context is a
 * clean copy of the repository (minus .dockerignore), each stage gets a directory standing for
 * its WORKDIR, COPY and RUN are executed as written, and the runtime stage is started with its
 * ENTRYPOINT, CMD and ENV and probed with its HEALTHCHECK.
 */
const repo = resolve(import.meta.dirname, '../..');
const stages = parseDockerfile(join(repo, 'Dockerfile'));
const work = mkdtempSync(join(tmpdir(), 'dcrgw-docker-'));
const cleanup: (() => void | Promise<void>)[] = [
  () => rmSync(work, { recursive: true, force: true }),
];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

const find = (stage: Stage, keyword: string) =>
  stage.instructions.filter((i) => i.keyword === keyword).at(-1)?.args;

it('is multi-stage, runs as a non-root user and declares a health check', () => {
  expect(stages.length).toBeGreaterThanOrEqual(2);
  const runtime = stages.at(-1)!;
  const user = find(runtime, 'USER');
  expect(user).toBeDefined();
  expect(['root', '0', '0:0']).not.toContain(user);
  expect(find(runtime, 'HEALTHCHECK')).toMatch(/\bCMD\b/);
  expect(find(runtime, 'ENTRYPOINT')).toBeDefined();
});

/** The files `docker build .` would send: tracked and new files, minus .dockerignore. */
function buildContext(): string {
  const context = join(work, 'context');
  const ignored = readFileSync(join(repo, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const isIgnored = (file: string) =>
    ignored.some((pattern) =>
      pattern.startsWith('*')
        ? file.endsWith(pattern.slice(1))
        : file === pattern || file.startsWith(`${pattern}/`),
    );
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: repo,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((file) => file !== '' && !isIgnored(file) && existsSync(join(repo, file)));
  for (const file of files) {
    mkdirSync(dirname(join(context, file)), { recursive: true });
    cpSync(join(repo, file), join(context, file));
  }
  return context;
}

interface Built {
  readonly dir: string;
  readonly workdir: string;
  readonly env: Record<string, string>;
}

/**
 * Replays one stage in a directory standing for its WORKDIR. `COPY --from` paths are absolute
 * in the source stage's filesystem, which here is its WORKDIR (paths outside it are unsupported).
 */
function replay(stage: Stage, context: string, built: Map<string, Built>): Built {
  const dir = join(work, stage.name);
  mkdirSync(dir);
  const env: Record<string, string> = {};
  let workdir = '/';
  for (const { keyword, flags, args } of stage.instructions) {
    if (keyword === 'WORKDIR') workdir = args;
    if (keyword === 'ENV') Object.assign(env, parseEnv(args));
    if (keyword === 'RUN') {
      execSync(args, {
        cwd: dir,
        stdio: 'pipe',
        env: { ...process.env, ...env, npm_config_update_notifier: 'false' },
      });
    }
    if (keyword === 'COPY') {
      const sources = args.split(/\s+/);
      const destination = join(dir, sources.pop()!);
      const from = flags.from === undefined ? undefined : built.get(flags.from);
      if (flags.from !== undefined && from === undefined)
        throw new Error(`COPY --from=${flags.from}: no such stage before ${stage.name}`);
      for (const source of sources) {
        const path = from
          ? join(from.dir, relative(from.workdir, posix.resolve('/', source)))
          : join(context, source);
        const target =
          sources.length > 1 || args.endsWith('/')
            ? join(destination, source.split('/').pop()!)
            : destination;
        cpSync(path, target, { recursive: true });
      }
    }
  }
  const result = { dir, workdir, env };
  built.set(stage.name, result);
  return result;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

it('builds in a clean directory, starts, and passes its own HEALTHCHECK', async () => {
  const context = buildContext();
  const built = new Map<string, Built>();
  for (const stage of stages.slice(0, -1)) replay(stage, context, built);
  const runtime = stages.at(-1)!;
  const { dir, env } = replay(runtime, context, built);
  expect(readFileSync(join(dir, 'dist/main.js'), 'utf8')).toContain('dcr-gateway');
  expect(existsSync(join(dir, 'mappings/rfc7591.yaml'))).toBe(true);
  expect(existsSync(join(dir, 'node_modules/vitest'))).toBe(false); // dev dependencies pruned

  // Only /healthz is probed, so the backend may point at a port nobody listens on.
  const config = join(work, 'gateway.yaml');
  writeFileSync(
    config,
    [
      'server: { public_url: https://dcr.example }',
      'registration_tokens: { keys: [{ kid: k1, secret: { env: DCRGW_RAT_KEY } }] }',
      "backends: { idp: { mapping: rfc7591, base_url: 'http://127.0.0.1:9' } }",
      'routes: { main: { prefix: /idp, backend: idp, registration: { open: true } } }',
    ].join('\n'),
  );
  const runEnv = {
    PATH: process.env.PATH ?? '',
    ...env,
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    DCRGW_CONFIG: config,
    DCRGW_RAT_KEY: randomBytes(32).toString('base64url'),
  };
  const entrypoint = execForm(find(runtime, 'ENTRYPOINT')!);
  const command = execForm(find(runtime, 'CMD')!);
  const child = spawn(entrypoint[0]!, [...entrypoint.slice(1), ...command], {
    cwd: dir,
    env: runEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  cleanup.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  const output: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  await new Promise<void>((ready, fail) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      output.push(line);
      if (line.includes('dcr-gateway ready')) ready();
    });
    void exited.then(([code]) => fail(new Error(`exited with ${code}:\n${output.join('\n')}`)));
  });

  const healthcheck = find(runtime, 'HEALTHCHECK')!;
  const probe = execForm(healthcheck.slice(healthcheck.indexOf('CMD') + 3).trim());
  const result = spawnSync(probe[0]!, probe.slice(1), { env: runEnv, timeout: 10_000 });
  expect(result.status, result.stderr.toString()).toBe(0);

  // `docker stop` sends SIGTERM; the gateway should close and exit cleanly.
  child.kill('SIGTERM');
  expect((await exited)[0]).toBe(0);
}, 300_000);
