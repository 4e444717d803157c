import type { Logger } from 'pino';

/** Counts failed requests and reports them as one line per interval, whatever their number. */
export interface FailureSummary {
  count(code: string): void;
  /** Writes the line for what was counted since the last one (nothing when nothing failed). */
  flush(): void;
  close(): void;
}

/**
 * A dead backend under load fails every request: each still gets its own warn line (the access
 * log), and this adds one error line per interval with the counts by code, so an alert can
 * fire on errors without a log line per failure.
 */
export function createFailureSummary(logger: Logger, intervalMs = 60_000): FailureSummary {
  let counts = new Map<string, number>();
  let since = Date.now();
  const flush = () => {
    const now = Date.now();
    if (counts.size > 0) {
      const failures = Object.fromEntries(counts);
      const total = [...counts.values()].reduce((sum, count) => sum + count, 0);
      const seconds = Math.round((now - since) / 1000);
      logger.error({ failures, seconds }, `${total} requests failed in the last ${seconds} s`);
      counts = new Map();
    }
    since = now;
  };
  const timer = setInterval(flush, intervalMs).unref();
  return {
    count: (code) => counts.set(code, (counts.get(code) ?? 0) + 1),
    flush,
    close() {
      clearInterval(timer);
      flush();
    },
  };
}
