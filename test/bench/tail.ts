/**
 * Where a latency tail comes from, which a CPU profile cannot say (it averages over requests):
 * the gateway's own access lines split each request's `responseTime` into the time spent in
 * vendor calls (`backendTime`) and the gateway's own; over the same requests, the gateway's GC
 * pauses and event-loop delay come from its metrics, and the IdP's GC pauses from the file its
 * bench process writes them to.
 */
import { readFileSync, statSync } from 'node:fs';

interface Timed {
  responseTime: number;
  backendTime: number;
}

/** Count and total seconds of the gateway's GC pauses by kind (minor, major, incremental...). */
type Pauses = Map<string, { count: number; seconds: number }>;

export interface TailProbe {
  /** Marks where the measured requests start (after the warm-up). */
  start(): Promise<void>;
  /**
   * Lines on the requests since `start`: through a gateway, the slowest 1 % against the median,
   * and the gateway's GC pauses and event-loop delay; the IdP's GC pauses in every case.
   */
  finish(name: string, requests: number): Promise<string>;
}

/** Where the figures of one scenario come from. */
export interface TailSources {
  /** The gateway the requests go through, and the path they take; none for a direct run. */
  readonly gateway?: { readonly log: string; readonly metricsUrl: string; readonly path: string };
  /** The file the IdP's process writes its GC pauses to (servers.ts). */
  readonly idpPauses: string;
}

export function tailProbe(sources: TailSources): TailProbe {
  const { gateway } = sources;
  let from = 0;
  let gatewayBefore: Pauses = new Map();
  let idpBefore: Pauses = new Map();
  return {
    async start() {
      idpBefore = idpPauses(sources.idpPauses);
      if (gateway === undefined) return;
      from = statSync(gateway.log).size;
      gatewayBefore = (await gatewayMetrics(gateway.metricsUrl)).pauses;
    },
    async finish(name, requests) {
      await new Promise((resolve) => setTimeout(resolve, 1_000)); // logs and pauses are written async
      const idp = `    IdP GC pauses: ${describePauses(idpBefore, idpPauses(sources.idpPauses), requests)}`;
      if (gateway === undefined) return `  ${name}, ${requests} requests:\n${idp}`;
      const after = await gatewayMetrics(gateway.metricsUrl);
      const lines = accessLines(gateway.log, from, gateway.path);
      return [
        describeSplit(name, lines),
        `    gateway GC pauses: ${describePauses(gatewayBefore, after.pauses, lines.length)}`,
        `    gateway event-loop delay beyond its ${SAMPLING_MS} ms sampling: p99 ${ms(after.lagP99 * 1000 - SAMPLING_MS)} ms, max ${ms(after.lagMax * 1000 - SAMPLING_MS)} ms`,
        idp,
      ].join('\n');
    },
  };
}

/** The access lines of `path` written after byte `from`, slowest last. */
function accessLines(log: string, from: number, path: string): Timed[] {
  const marker = `"url":"${path}"`;
  return readFileSync(log)
    .subarray(from)
    .toString('utf8')
    .split('\n')
    .filter((line) => line.includes(marker) && line.includes('"request completed"'))
    .map((line) => JSON.parse(line) as Timed)
    .sort((a, b) => a.responseTime - b.responseTime);
}

/** prom-client's event-loop delay timer period: its readings include it. */
const SAMPLING_MS = 10;

/**
 * The gateway's GC pauses so far and its event-loop delay since the last scrape (prom-client
 * resets that histogram on each).
 */
async function gatewayMetrics(
  metricsUrl: string,
): Promise<{ pauses: Pauses; lagP99: number; lagMax: number }> {
  const text = await (await fetch(metricsUrl)).text();
  const gauge = (name: string) => Number(new RegExp(`^${name} ([\\d.e+-]+)$`, 'm').exec(text)?.[1]);
  return {
    pauses: pauses(text),
    lagP99: gauge('nodejs_eventloop_lag_p99_seconds'),
    lagMax: gauge('nodejs_eventloop_lag_max_seconds'),
  };
}

function idpPauses(file: string): Pauses {
  const totals = JSON.parse(readFileSync(file, 'utf8')) as Record<
    string,
    { count: number; seconds: number }
  >;
  return new Map(Object.entries(totals));
}

function pauses(text: string): Pauses {
  const found: Pauses = new Map();
  for (const [, part, kind, value] of text.matchAll(
    /^nodejs_gc_duration_seconds_(sum|count)\{kind="(\w+)"\} ([\d.e+-]+)$/gm,
  )) {
    const entry = found.get(kind!) ?? { count: 0, seconds: 0 };
    if (part === 'sum') entry.seconds = Number(value);
    else entry.count = Number(value);
    found.set(kind!, entry);
  }
  return found;
}

const ms = (value: number) => value.toFixed(2);

const mean = (values: readonly Timed[], of: (timed: Timed) => number) =>
  values.reduce((sum, timed) => sum + of(timed), 0) / values.length;

const own = (timed: Timed) => timed.responseTime - timed.backendTime;

function describeSplit(name: string, lines: Timed[]): string {
  if (lines.length < 100) return `  ${name}: only ${lines.length} access lines`;
  const slowest = lines.slice(Math.floor(lines.length * 0.99));
  const percentiles = (of: (timed: Timed) => number) => {
    const sorted = lines.map(of).sort((a, b) => a - b);
    const at = (share: number) => ms(sorted[Math.floor(sorted.length * share)]!);
    return `p50 ${at(0.5)} p99 ${at(0.99)}`;
  };
  return [
    `  ${name}, ${lines.length} requests in the gateway's access lines, ms:`,
    `    responseTime ${percentiles((t) => t.responseTime)}; in vendor calls (backendTime) ${percentiles((t) => t.backendTime)}; the gateway's own ${percentiles(own)}`,
    `    slowest 1 %: ${ms(mean(slowest, (t) => t.responseTime))} = vendor ${ms(mean(slowest, (t) => t.backendTime))} + gateway ${ms(mean(slowest, own))} on average`,
  ].join('\n');
}

/** Pauses between two readings, per 1000 requests and each on average, by kind. */
function describePauses(before: Pauses, after: Pauses, requests: number): string {
  const kinds = [...after].map(([kind, total]) => {
    const count = total.count - (before.get(kind)?.count ?? 0);
    const seconds = total.seconds - (before.get(kind)?.seconds ?? 0);
    return count === 0
      ? ''
      : `${kind} ${((count * 1000) / requests).toFixed(1)} per 1000 requests, ${ms((seconds * 1000) / count)} ms each`;
  });
  return kinds.filter(Boolean).join('; ') || 'none';
}
