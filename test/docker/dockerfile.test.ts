import { execFileSync, execSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { randomKey } from '../support/gateway.js';
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
const cleanup: (() => void)[] = [];
afterAll(() => cleanup.forEach((step) => step()));

it('is multi-stage, runs as a non-root user and declares a health check', () => {
  expect(stages.map((stage) => stage.name)).toStrictEqual(['build', 'runtime']);
  const runtime = stages[1]!;
  const user = runtime.instructions.filter((i) => i.keyword === 'USER').at(-1)?.args;
  expect(user).toBeDefined();
  expect(['root', '0']).not.toContain(user);
  expect(runtime.instructions.some((i) => i.keyword === 'HEALTHCHECK')).toBe(true);
});

/** The files `docker build .` would send: tracked and new files, minus .dockerignore. */
function buildContext(): string {
  const context = join(work, 'context');
  const ignored = readFileSync(join(repo, '.dockerignore'), 'utf8').split('\n').filter(Boolean);
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
    .filter((file) => file !== '' && !isIgnored(file));
  for (const file of files) {
    mkdirSync(dirname(join(context, file)), { recursive: true });
    cpSync(join(repo, file), join(context, file));
  }
  return context;
}

/** Replays one stage; `/app/...` paths of earlier stages resolve to their directories. */
function replay(
  stage: Stage,
  context: string,
  built: Map<string, string>,
): { dir: string; env: Record<string, string> } {
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
      const parts = args.split(/\s+/);
      const destination = join(dir, parts.pop()!);
      const from = flags.from === undefined ? context : built.get(flags.from)!;
      for (const source of parts) {
        const path =
          flags.from === undefined
            ? join(from, source)
            : join(from, source.replace(new RegExp(`^${workdir}/?`), ''));
        const target =
          parts.length > 1 || destination.endsWith('/')
            ? join(destination, source.split('/').pop()!)
            : destination;
        cpSync(path, target, { recursive: true });
      }
    }
  }
  built.set(stage.name, dir);
  return { dir, env };
}

it('builds in a clean directory, starts, and passes its own HEALTHCHECK', async () => {
  const context = buildContext();
  const built = new Map<string, string>();
  replay(stages[0]!, context, built);
  const runtime = stages[1]!;
  const { dir, env } = replay(runtime, context, built);
  expect(readFileSync(join(dir, 'dist/main.js'), 'utf8')).toContain('dcr-gateway');
  expect(() => readFileSync(join(dir, 'node_modules/vitest/package.json'))).toThrow(); // dev dependencies pruned

  const config = join(work, 'gateway.yaml');
  writeFileSync(
    config,
    [
      'registration_tokens: { keys: [{ kid: k1, secret: { env: DCRGW_RAT_KEY } }] }',
      "backends: { idp: { mapping: rfc7591, base_url: 'http://127.0.0.1:9' } }",
      'routes: { main: { prefix: /idp, backend: idp, registration: { open: true } } }',
    ].join('\n'),
  );
  const runEnv = {
    PATH: process.env.PATH ?? '',
    ...env,
    HOST: '127.0.0.1',
    PORT: '0',
    DCRGW_CONFIG: config,
    DCRGW_RAT_KEY: randomKey(),
  };
  const entrypoint = execForm(runtime.instructions.find((i) => i.keyword === 'ENTRYPOINT')!.args);
  const command = execForm(runtime.instructions.find((i) => i.keyword === 'CMD')!.args);
  const child = spawn(entrypoint[0]!, [...entrypoint.slice(1), ...command], {
    cwd: dir,
    env: runEnv,
    stdio: 'pipe',
  });
  cleanup.push(() => child.kill('SIGKILL'));
  const port = await new Promise<string>((ready, fail) => {
    child.stdout.on('data', (chunk: Buffer) => {
      const listening = /"address":"http:\/\/127\.0\.0\.1:(\d+)".*dcr-gateway ready/.exec(
        chunk.toString(),
      );
      if (listening) ready(listening[1]!);
    });
    child.once('exit', (code) => fail(new Error(`exited with ${code}`)));
  });

  const healthcheck = runtime.instructions.find((i) => i.keyword === 'HEALTHCHECK')!.args;
  const probe = execForm(healthcheck.slice(healthcheck.indexOf('CMD') + 3).trim());
  const status = await new Promise<number | null>((done) =>
    spawn(probe[0]!, probe.slice(1), { env: { ...runEnv, PORT: port }, stdio: 'ignore' }).once(
      'exit',
      done,
    ),
  );
  expect(status).toBe(0);
}, 240_000);
