/**
 * `npm run bench`: what the gateway costs, measured against the direct backend, in one run on
 * loopback. Starts everything it measures and stops it. Every figure is the median of RUNS runs
 * of SECONDS seconds after a warm-up. With `taskset`, the gateway (and the bare proxy it is
 * compared with) run alone on CPU 0; the backends share CPU 1 with this process, the load
 * generator (autocannon), as an IdP would run on its own machine in production.
 *
 *   BENCH_RUNS=3 BENCH_SECONDS=10 BENCH_LEAK_REQUESTS=1000000 npm run bench [-- --profile]
 *
 * `--profile` also runs the create path (to the trivial backend, and to oidc-provider at 50
 * connections and at one) and the cached read under `--cpu-prof` and prints where their CPU
 * goes, by stage; `--only passthrough|create|oidc` measures one part alone. Rows 4a-4e
 * also say where their tail comes from (tail.ts).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { stageBreakdown, summarizeProfile } from './profile.js';
import { tailProbe } from './tail.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const LEAK_REQUESTS = Number(process.env.BENCH_LEAK_REQUESTS ?? 1_000_000);
const CONNECTIONS = 50;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PROFILE = process.argv.includes('--profile');
/**
 * `--only passthrough` or `--only create`: the site passthrough pair (6a/6b) or the create pair
 * (2/3) alone, measured in alternation; `--only oidc`: rows 4a-4e and their tails. A few
 * minutes instead of the whole bench.
 */
const ONLY = process.argv[process.argv.indexOf('--only') + 1];
if (process.argv.includes('--only') && !['passthrough', 'create', 'oidc'].includes(ONLY!))
  throw new Error('--only takes passthrough, create or oidc');

const repo = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'dcrgw-bench-'));
/** Moves this process, the load generator, to `cpu`: every thread it has. */
const pinSelf = (cpu: string) =>
  spawnSync('taskset', ['-a', '-cp', cpu, String(process.pid)], { stdio: 'ignore' }).status === 0;
const GATEWAY_CPU = '0';
const BACKEND_CPU = '1';
const pinned = pinSelf(BACKEND_CPU);
const LAYOUT = pinned
  ? 'gateway / bare proxy alone on CPU 0; backends and autocannon on CPU 1'
  : 'no taskset: unpinned';
const children: ChildProcess[] = [];

/** Starts a server process on `cpu` and resolves with its port once it answers. */
async function start(
  cpu: string,
  args: string[],
  env: Record<string, string> = {},
  port?: () => Promise<number>,
): Promise<{ port: number; pid: number; log: string }> {
  const command = pinned
    ? ['taskset', '-c', cpu, process.execPath, ...args]
    : [process.execPath, ...args];
  const log = join(work, `server-${children.length}.log`);
  const out = openSync(log, 'w');
  const child = spawn(command[0]!, command.slice(1), {
    cwd: repo,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', port ? out : 'pipe', out],
  });
  children.push(child);
  const found = port
    ? await port()
    : await new Promise<number>((ready, fail) => {
        let text = '';
        child.stdout!.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          const match = /READY (\d+)/.exec(text);
          if (match) ready(Number(match[1]));
        });
        child.once('exit', (code) => fail(new Error(`${args.join(' ')} exited with ${code}`)));
      });
  return { port: found, pid: child.pid!, log };
}

const server = (kind: string, ...args: string[]) =>
  start(kind === 'proxy' ? GATEWAY_CPU : BACKEND_CPU, [
    '--import',
    'tsx',
    'test/bench/servers.ts',
    kind,
    ...args,
  ]);

/** The real `dcr-gateway` binary with a config file, logging at info to a file, as deployed. */
async function gateway(
  name: string,
  yaml: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
) {
  const file = join(work, `${name}.yaml`);
  writeFileSync(file, yaml);
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  return start(
    GATEWAY_CPU,
    [...nodeArgs, 'dist/main.js', 'serve', '--config', file],
    { ...env, PORT: String(port), NODE_ENV: 'production' },
    async () => {
      for (let attempt = 0; attempt < 100; attempt++) {
        // Ready with the cache up: a gateway still connecting to Redis bypasses it.
        const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
          async (r) => r.ok && ((await r.json()) as { cache?: string }).cache === 'ok',
          () => false,
        );
        if (ok) return port;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`gateway ${name} did not become ready; see ${work}`);
    },
  );
}

interface Load {
  url: string;
  method?: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
}
interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** Requests answered in the run (summed over runs in a median). */
  requests: number;
}

async function once(load: Load, seconds: number, amount?: number): Promise<Figures> {
  const result = await autocannon({
    url: load.url,
    method: load.method ?? 'GET',
    connections: CONNECTIONS,
    ...(amount ? { amount } : { duration: seconds }),
    headers: { 'content-type': 'application/json', ...load.headers },
    ...(load.body ? { body: load.body } : {}),
  });
  const bad = result.non2xx + result.errors + result.timeouts;
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: bad,
    requests: result.requests.total,
  };
}

/**
 * One connection, one request at a time, for `seconds`: the latency a lone caller sees, timed
 * to the microsecond (autocannon's histogram counts whole milliseconds).
 */
async function sequential(load: Load, seconds: number): Promise<Figures> {
  const url = new URL(load.url);
  const pool = new Pool(url.origin, { connections: 1 });
  const times: number[] = [];
  let errors = 0;
  const until = performance.now() + seconds * 1000;
  try {
    while (performance.now() < until) {
      const started = performance.now();
      const response = await pool.request({
        method: load.method ?? 'GET',
        path: url.pathname,
        headers: { 'content-type': 'application/json', ...load.headers },
        ...(load.body ? { body: load.body } : {}),
      });
      await response.body.dump();
      times.push(performance.now() - started);
      if (response.statusCode >= 300) errors++;
    }
  } finally {
    await pool.close();
  }
  times.sort((a, b) => a - b);
  const at = (share: number) => Number(times[Math.floor(times.length * share)]!.toFixed(2));
  return {
    rps: times.length / seconds,
    p50: at(0.5),
    p99: at(0.99),
    errors,
    requests: times.length,
  };
}

/** Warm-up, then RUNS sequential runs; the median of each figure. */
async function measureSequential(name: string, load: Load, onWarm?: Warmed): Promise<Figures> {
  await sequential(load, WARMUP_SECONDS);
  await onWarm?.();
  const runs: Figures[] = [];
  for (let run = 0; run < RUNS; run++) runs.push(await sequential(load, SECONDS));
  return summarize(name, runs);
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Called between the warm-up and the measured runs. */
type Warmed = () => Promise<void>;

/** Warm-up, then RUNS measured runs; the median of each figure. */
async function measure(name: string, load: Load, onWarm?: Warmed): Promise<Figures> {
  await once(load, WARMUP_SECONDS);
  await onWarm?.();
  const runs: Figures[] = [];
  for (let run = 0; run < RUNS; run++) runs.push(await once(load, SECONDS));
  return summarize(name, runs);
}

/** The median of each figure over runs that all succeeded, printed as it comes. */
function summarize(name: string, runs: Figures[]): Figures {
  const errors = runs.reduce((sum, run) => sum + run.errors, 0);
  if (errors > 0) throw new Error(`${name}: ${errors} failed requests; the figures would lie`);
  const figures = {
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    errors,
    requests: runs.reduce((sum, run) => sum + run.requests, 0),
  };
  process.stderr.write(
    `  ${name}: ${figures.rps.toFixed(0)} req/s, p50 ${figures.p50} ms, p99 ${figures.p99} ms\n`,
  );
  return figures;
}

/**
 * Two loads measured in alternation (A, B, A, B, …): on a machine whose speed drifts from one
 * run to the next, a ratio of back-to-back runs is far steadier than one of two separate
 * medians. The median of the RUNS paired rps ratios (B / A), and each load's own medians.
 */
async function measurePair(
  a: { name: string; load: Load },
  b: { name: string; load: Load },
): Promise<{ a: Figures; b: Figures; ratio: number }> {
  await once(a.load, WARMUP_SECONDS);
  await once(b.load, WARMUP_SECONDS);
  const runsA: Figures[] = [];
  const runsB: Figures[] = [];
  for (let run = 0; run < RUNS; run++) {
    runsA.push(await once(a.load, SECONDS));
    runsB.push(await once(b.load, SECONDS));
  }
  return {
    a: summarize(a.name, runsA),
    b: summarize(b.name, runsB),
    ratio: median(runsA.map((one, index) => runsB[index]!.rps / one.rps)),
  };
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

/** RSS after 2 s without load: pending log writes flushed and sockets closed, so growth is retained memory. */
async function settledRss(pid: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  return rssMb(pid);
}

/**
 * The live JS heap: a heap snapshot (SIGUSR2) forces a full GC, after which the process's own
 * metric reports what is really retained. RSS alone cannot tell a leak from a heap that grew.
 */
async function liveHeapMb(pid: number, metricsUrl: string): Promise<number> {
  const before = readdirSync(work).filter((name) => name.endsWith('.heapsnapshot')).length;
  process.kill(pid, 'SIGUSR2');
  while (readdirSync(work).filter((name) => name.endsWith('.heapsnapshot')).length === before) {
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await new Promise((resolve) => setTimeout(resolve, 3_000)); // let the snapshot finish writing
  const metrics = await (await fetch(metricsUrl)).text();
  return Number(/^nodejs_heap_size_used_bytes (\d+)/m.exec(metrics)![1]) / 1048576;
}

const REGISTRATION = JSON.stringify({
  redirect_uris: ['https://app.example/callback', 'http://127.0.0.1:33418/'],
  grant_types: ['authorization_code', 'refresh_token'],
  client_name: 'Benchmark client',
  scope: 'openid offline_access',
});

/** The public name of the bench site; requests carry it as Host. */
const SITE_HOST = 'idp.bench';

function gatewayYaml(
  backends: Record<string, string>,
  options: { redis: boolean; readTtl: number; site?: string },
): string {
  const lines = [
    "server: { log_level: info, trusted_hosts: ['127.0.0.1:*'] }",
    `cache: { read_ttl_seconds: ${options.readTtl}${options.redis ? ', redis_url: { env: BENCH_REDIS_URL }' : ''} }`,
    'registration_tokens: { keys: [{ kid: bench, secret: { env: RAT_KEY } }] }',
    'backends:',
    ...Object.entries(backends).map(
      ([id, url]) =>
        `  ${id}: { mapping: rfc7591, base_url: '${url}', parameters: { registration_path: /reg }, admin: { token: { env: IAT } } }`,
    ),
    'routes:',
    ...Object.keys(backends).map(
      // No limits: the bench sends far more than one caller may.
      (id) =>
        `  ${id}: { prefix: /${id}, backend: ${id}, registration: { open: true }, rate_limit: false, management_rate_limit: false }`,
    ),
    ...(options.site === undefined
      ? []
      : ['sites:', `  bench: { issuer: 'http://${SITE_HOST}', route: ${options.site} }`]),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * Passthrough: a path the site does not own (the IdP's JWKS, say), streamed to the backend.
 * Both are one library's proxy, within a few per cent of each other: measured in alternation.
 */
const measurePassthrough = (proxyPort: number, sitePort: number) =>
  measurePair(
    {
      name: '6a bare @fastify/http-proxy GET -> trivial',
      load: { url: `http://127.0.0.1:${proxyPort}/jwks` },
    },
    {
      name: '6b gateway site GET (passthrough) -> trivial',
      load: { url: `http://127.0.0.1:${sitePort}/jwks`, headers: { host: SITE_HOST } },
    },
  );

/** Registers one client through a gateway and returns its RAT. */
async function registerThrough(url: string): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: REGISTRATION,
  });
  const body = (await response.json()) as { registration_access_token: string };
  return body.registration_access_token;
}

/** [target, measured, unit, limit, at most (true) or at least (false)] from the issue. */
type Target = [string, number, string, number, boolean];

function tables(rows: [string, Figures][], targets: Target[]): string[] {
  return [
    `| scenario | req/s | p50 ms | p99 ms |`,
    `|---|---:|---:|---:|`,
    ...rows.map(([name, f]) => `| ${name} | ${f.rps.toFixed(0)} | ${f.p50} | ${f.p99} |`),
    '',
    `| ratio | measured | target | |`,
    `|---|---:|---:|---|`,
    ...targets.map(([name, value, unit, limit, atMost]) => {
      const met = atMost ? value <= limit : value >= limit;
      // Three decimals for ratios: 0.897x printed as 0.90x read as met.
      return `| ${name} | ${value.toFixed(unit === 'x' ? 3 : 2)}${unit} | ${atMost ? '<=' : '>='} ${limit}${unit} | ${met ? 'met' : 'MISSED'} |`;
    }),
  ];
}

const CROSSING = '4e oidc-provider direct, 1 connection, caller on CPU 0';

/** `measureSequential` with the load generator on the gateway's CPU (idle meanwhile). */
async function fromGatewayCpu(name: string, load: Load, onWarm?: Warmed): Promise<Figures> {
  pinSelf(GATEWAY_CPU);
  try {
    return await measureSequential(name, load, onWarm);
  } finally {
    pinSelf(BACKEND_CPU);
  }
}

/**
 * Rows 4a-4e: oidc-provider direct and through the gateway, at 50 connections and at one (a
 * lone caller: what the gateway adds to one registration when nothing else runs), with where
 * the gateway's tail comes from in each; 4e is 4c with the caller on the other CPU, what
 * crossing between the two costs on this machine.
 */
async function measureOidc(
  oidc: { port: number; pauses: string },
  gatewayServer: { port: number; log: string },
  iat: string,
): Promise<{ rows: [string, Figures][]; targets: Target[]; tails: string[] }> {
  const post = { method: 'POST' as const, body: REGISTRATION };
  const direct = {
    url: `http://127.0.0.1:${oidc.port}/reg`,
    ...post,
    headers: { authorization: `Bearer ${iat}` },
  };
  const fronted = { url: `http://127.0.0.1:${gatewayServer.port}/oidc/register`, ...post };
  const through = {
    log: gatewayServer.log,
    metricsUrl: `http://127.0.0.1:${gatewayServer.port}/metrics`,
    path: '/oidc/register',
  };
  const rows: [string, Figures][] = [];
  const tails: string[] = [];
  const scenarios = [
    ['4a oidc-provider direct (POST /reg)', direct, measure, undefined],
    ['4b gateway POST /register -> oidc-provider', fronted, measure, through],
    ['4c oidc-provider direct, 1 connection', direct, measureSequential, undefined],
    ['4d gateway -> oidc-provider, 1 connection', fronted, measureSequential, through],
    [CROSSING, direct, fromGatewayCpu, undefined],
  ] as const;
  for (const [name, load, run, gateway] of scenarios) {
    const probe = tailProbe({ idpPauses: oidc.pauses, ...(gateway && { gateway }) });
    const figures = await run(name, load, probe.start);
    rows.push([name, figures]);
    tails.push(await probe.finish(name, figures.requests));
  }
  const row = (index: number) => rows[index]![1];
  const [a, b, c, d, e] = [row(0), row(1), row(2), row(3), row(4)];
  // Direct, caller and IdP share CPU 1; through the gateway, each request crosses to CPU 0 and
  // back twice (caller to gateway, gateway to IdP): the layout's own share of the added latency.
  tails.push(
    `  crossing CPUs (4e-4c) adds p50 ${(e.p50 - c.p50).toFixed(2)} ms, p99 ${(e.p99 - c.p99).toFixed(2)} ms to a direct call; a request through the gateway crosses twice`,
  );
  return {
    rows,
    tails,
    targets: [
      ['oidc-provider: added p99 (4b-4a)', b.p99 - a.p99, ' ms', 2, true],
      ['oidc-provider: fronted / direct (4b/4a)', b.rps / a.rps, 'x', 0.9, false],
      ['oidc-provider, 1 connection: added p50 (4d-4c)', d.p50 - c.p50, ' ms', 0.3, true],
      ['oidc-provider, 1 connection: added p99 (4d-4c)', d.p99 - c.p99, ' ms', 2, true],
    ],
  };
}

async function main(): Promise<void> {
  const iat = randomBytes(24).toString('base64url');
  const env = {
    RAT_KEY: randomBytes(32).toString('base64url'),
    IAT: iat,
    BENCH_REDIS_URL: REDIS_URL,
  };
  process.stderr.write(
    `dcr-gateway bench: ${RUNS} x ${SECONDS} s after ${WARMUP_SECONDS} s warm-up, ${CONNECTIONS} connections, ${LAYOUT}\n`,
  );

  const trivial = await server('trivial');
  const proxy = await server('proxy', `http://127.0.0.1:${trivial.port}`);
  const oidcPauses = join(work, 'oidc-gc.json');
  const oidc = { ...(await server('oidc', iat, oidcPauses)), pauses: oidcPauses };
  const cached = await gateway(
    'cached',
    gatewayYaml(
      { trivial: `http://127.0.0.1:${trivial.port}`, oidc: `http://127.0.0.1:${oidc.port}` },
      { redis: true, readTtl: 300 },
    ),
    env,
    [`--heapsnapshot-signal=SIGUSR2`, `--diagnostic-dir=${work}`],
  );
  const uncached = await gateway(
    'uncached',
    gatewayYaml(
      { trivial: `http://127.0.0.1:${trivial.port}` },
      { redis: false, readTtl: 0, site: 'trivial' },
    ),
    env,
  );
  const gw = (port: number, path: string) => `http://127.0.0.1:${port}${path}`;
  const idle = rssMb(cached.pid);
  if (ONLY === 'passthrough') {
    const { ratio } = await measurePassthrough(proxy.port, uncached.port);
    const met = ratio >= 0.95 ? 'met' : 'MISSED';
    process.stdout.write(
      `| GET through a site / bare proxy (6b/6a, paired runs) | ${ratio.toFixed(2)}x | >= 0.95x | ${met} |\n`,
    );
    return;
  }
  if (ONLY === 'create') {
    const post = { method: 'POST' as const, body: REGISTRATION };
    const { ratio } = await measurePair(
      {
        name: '2 bare @fastify/http-proxy -> trivial',
        load: { url: `http://127.0.0.1:${proxy.port}/reg`, ...post },
      },
      {
        name: '3 gateway POST /register -> trivial',
        load: { url: gw(cached.port, '/trivial/register'), ...post },
      },
    );
    const met = ratio >= 0.8 ? 'met' : 'MISSED';
    process.stdout.write(
      `| create via gateway / bare proxy (3/2, paired runs) | ${ratio.toFixed(2)}x | >= 0.8x | ${met} |\n`,
    );
    if (PROFILE) await profileAll(env, trivial.port, oidc.port);
    return;
  }
  if (ONLY === 'oidc') {
    const { rows, targets, tails } = await measureOidc(oidc, cached, iat);
    process.stdout.write(`${[...tables(rows, targets), '', ...tails].join('\n')}\n`);
    return;
  }

  const rows: [string, Figures][] = [];
  const row = async (name: string, load: Load) => {
    const figures = await measure(name, load);
    rows.push([name, figures]);
    return figures;
  };
  const post = { method: 'POST' as const, body: REGISTRATION };

  await row('1 trivial backend, direct (POST /reg)', {
    url: `http://127.0.0.1:${trivial.port}/reg`,
    ...post,
  });
  const proxied = await row('2 bare @fastify/http-proxy -> trivial', {
    url: `http://127.0.0.1:${proxy.port}/reg`,
    ...post,
  });
  let loadedRss = 0;
  const sampler = setTimeout(
    () => (loadedRss = rssMb(cached.pid)),
    (WARMUP_SECONDS + SECONDS / 2) * 1000,
  );
  const create = await row('3 gateway POST /register -> trivial', {
    url: gw(cached.port, '/trivial/register'),
    ...post,
  });
  clearTimeout(sampler);
  const oidcRun = await measureOidc(oidc, cached, iat);
  rows.push(...oidcRun.rows);

  const cachedRat = await registerThrough(gw(cached.port, '/trivial/register'));
  const readCached = await row('5a gateway GET (RFC 7592), cached in Redis', {
    url: gw(cached.port, '/trivial/register/bench-client-0001'),
    headers: { authorization: `Bearer ${cachedRat}` },
  });
  const uncachedRat = await registerThrough(gw(uncached.port, '/trivial/register'));
  const readUncached = await row('5b gateway GET (RFC 7592), uncached', {
    url: gw(uncached.port, '/trivial/register/bench-client-0001'),
    headers: { authorization: `Bearer ${uncachedRat}` },
  });
  const readDirect = await row('1b trivial backend, direct (GET /reg/id)', {
    url: `http://127.0.0.1:${trivial.port}/reg/bench-client-0001`,
  });

  const passthrough = await measurePassthrough(proxy.port, uncached.port);
  rows.push(
    ['6a bare @fastify/http-proxy GET -> trivial', passthrough.a],
    ['6b gateway site GET (passthrough) -> trivial', passthrough.b],
  );

  process.stderr.write(`  leak check: ${LEAK_REQUESTS} creates through the gateway...\n`);
  const leakLoad = { url: gw(cached.port, '/trivial/register'), ...post };
  const firstTenth = Math.round(LEAK_REQUESTS / 10);
  await once(leakLoad, 0, firstTenth);
  const rssAtTenth = await settledRss(cached.pid);
  await once(leakLoad, 0, LEAK_REQUESTS - firstTenth);
  const rssAtEnd = await settledRss(cached.pid);
  // Snapshots inflate RSS, so the live-heap check comes after the RSS figures: the retained
  // heap after LEAK_REQUESTS, then after another tenth.
  const heapAtEnd = await liveHeapMb(cached.pid, gw(cached.port, '/metrics'));
  await once(leakLoad, 0, firstTenth);
  const heapAfterMore = await liveHeapMb(cached.pid, gw(cached.port, '/metrics'));

  const growth = (rssAtEnd - rssAtTenth) / rssAtTenth;
  const heapGrowth = (heapAfterMore - heapAtEnd) / heapAtEnd;
  const targets: Target[] = [
    ['create via gateway / bare proxy (3/2)', create.rps / proxied.rps, 'x', 0.8, false],
    ...oidcRun.targets,
    ['cached read / trivial direct GET (5a/1b)', readCached.rps / readDirect.rps, 'x', 0.4, false],
    ['cached read / uncached read (5a/5b)', readCached.rps / readUncached.rps, 'x', 3, false],
    ['GET through a site / bare proxy (6b/6a, paired runs)', passthrough.ratio, 'x', 0.95, false],
    ['RSS under load', loadedRss, ' MB', 120, true],
    [`RSS growth ${firstTenth} -> ${LEAK_REQUESTS} requests`, growth * 100, ' %', 10, true],
  ];
  const lines = [...tables(rows, targets), '', ...oidcRun.tails];
  lines.push(
    '',
    `RSS of the gateway: idle ${idle.toFixed(1)} MB, under load ${loadedRss.toFixed(1)} MB, after ${firstTenth} requests ${rssAtTenth.toFixed(1)} MB, after ${LEAK_REQUESTS} ${rssAtEnd.toFixed(1)} MB.`,
    `Live JS heap after a full GC: ${heapAtEnd.toFixed(1)} MB after ${LEAK_REQUESTS} requests, ${heapAfterMore.toFixed(1)} MB after ${firstTenth} more (${(heapGrowth * 100).toFixed(1)} %).`,
  );
  lines.push(
    `Layout: ${LAYOUT}; ${RUNS} runs x ${SECONDS} s, median; ${CONNECTIONS} connections; Redis unpinned.`,
  );
  lines.push(
    '',
    'RSS by module (a fresh process importing what the gateway imports):',
    moduleRss(),
  );
  process.stdout.write(`${lines.join('\n')}\n`);

  if (PROFILE) await profileAll(env, trivial.port, oidc.port);
}

/** What the gateway imports, heaviest dependencies first, then its own code as `serve` loads it. */
const MODULES = [
  'fastify',
  'undici',
  'pino',
  'prom-client',
  'ioredis',
  'zod',
  'yaml',
  'jose',
  '@fastify/http-proxy',
  '@fastify/rate-limit',
  './dist/assemble.js',
  './dist/lifecycle.js',
];

/**
 * RSS by module: a fresh Node process (no tsx) imports MODULES one by one and reports the
 * resident memory each added, after a full GC before each reading.
 */
function moduleRss(): string {
  const script = `
    const rss = () => (globalThis.gc(), process.memoryUsage().rss / 1048576);
    const rows = [['Node itself', rss()]];
    let before = rows[0][1];
    for (const name of ${JSON.stringify(MODULES)}) {
      await import(name);
      const after = rss();
      rows.push([name, after - before]);
      before = after;
    }
    rows.push(['total', before]);
    console.log(JSON.stringify(rows));`;
  const child = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], {
    cwd: repo,
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`module RSS: ${child.stderr}`);
  const rows = JSON.parse(child.stdout) as [string, number][];
  return [
    '| module | RSS (MB) |',
    '|---|---:|',
    ...rows.map(([name, mb]) => `| ${name} | ${mb.toFixed(1)} |`),
  ].join('\n');
}

/**
 * Runs one load against a gateway under --cpu-prof and prints where its CPU goes: µs per
 * request by stage (stages.ts), then the heaviest owners and functions by self time. `run`
 * drives it: 50 connections (`once`) or one (`sequential`).
 */
async function profilePath(
  name: string,
  yaml: string,
  env: Record<string, string>,
  load: (port: number) => Promise<Load>,
  run: (load: Load, seconds: number) => Promise<Figures> = once,
): Promise<void> {
  const dir = join(work, `profile-${name.replaceAll(' ', '-')}`);
  const profiled = await gateway(`profiled-${name}`, yaml, env, [
    '--cpu-prof',
    `--cpu-prof-dir=${dir}`,
  ]);
  const child = children.at(-1)!;
  const target = await load(profiled.port);
  let requests = 0;
  for (const seconds of [WARMUP_SECONDS, SECONDS])
    requests += (await run(target, seconds)).requests;
  child.kill('SIGINT');
  await new Promise((r) => child.once('exit', r));
  const file = join(
    dir,
    readdirSync(dir).find((entry) => entry.endsWith('.cpuprofile'))!,
  );
  process.stdout.write(
    `\nCPU profile of ${name} (${file}):\n${stageBreakdown(file, requests)}\n${summarizeProfile(file)}\n`,
  );
}

/**
 * Each profiled on a gateway of its own: the create path to the trivial backend (row 3), to
 * oidc-provider at 50 connections and at one (rows 4b and 4d), and the cached read (row 5a).
 */
async function profileAll(
  env: Record<string, string>,
  trivialPort: number,
  oidcPort: number,
): Promise<void> {
  const yaml = gatewayYaml(
    { trivial: `http://127.0.0.1:${trivialPort}`, oidc: `http://127.0.0.1:${oidcPort}` },
    { redis: true, readTtl: 300 },
  );
  const create =
    (backend: string) =>
    async (port: number): Promise<Load> => ({
      url: `http://127.0.0.1:${port}/${backend}/register`,
      method: 'POST',
      body: REGISTRATION,
    });
  await profilePath('the create path', yaml, env, create('trivial'));
  await profilePath('the create path to oidc-provider', yaml, env, create('oidc'));
  await profilePath(
    'the create path to oidc-provider at one connection',
    yaml,
    env,
    create('oidc'),
    sequential,
  );
  await profilePath('the cached read', yaml, env, async (port) => {
    const rat = await registerThrough(`http://127.0.0.1:${port}/trivial/register`);
    return {
      url: `http://127.0.0.1:${port}/trivial/register/bench-client-0001`,
      headers: { authorization: `Bearer ${rat}` },
    };
  });
}

try {
  await main();
} finally {
  for (const child of children) child.kill('SIGKILL');
}
