import { errors as undiciErrors } from 'undici';
import { untilAborted, type DeadlineSignal } from './deadline.js';

/** How often, and how soon, an idempotent vendor call is tried again. */
export interface RetrySettings {
  /** Tries after the first; 0 turns retries off. */
  readonly retries: number;
  /** The backoff before retry n is a random delay below `baseDelayMs * 2^n` (full jitter). */
  readonly baseDelayMs: number;
}

/**
 * Methods a call may be repeated with (RFC 9110 §9.2.2). A create is a POST and is never
 * repeated blindly: the first may have created a client whose answer was lost.
 */
const IDEMPOTENT: ReadonlySet<string> = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

/** Answers that say "not now" rather than "no": a later try may get through. */
const RETRY_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

/** Failures before any answer: the connection was refused, reset or closed, or never opened. */
const transientFailure = (error: unknown): boolean =>
  error instanceof undiciErrors.ConnectTimeoutError ||
  error instanceof undiciErrors.SocketError ||
  (error instanceof Error &&
    ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET'].includes(
      (error as { code?: string }).code ?? '',
    ));

/**
 * Runs `attempt` and, for an idempotent method, again after a jittered backoff while it fails
 * transiently or answers 502/503/504, up to `settings.retries` more times. Every try and every
 * wait stays inside the call's deadline (`signal`); the last answer or failure is the result.
 * `onRetry` hears of each retry (metrics).
 */
export async function withRetries<T extends { status: number }>(
  method: string,
  settings: RetrySettings,
  signal: DeadlineSignal,
  attempt: () => Promise<T>,
  onRetry: () => void = () => undefined,
  random: () => number = Math.random,
): Promise<T> {
  const retries = IDEMPOTENT.has(method) ? settings.retries : 0;
  for (let retry = 0; ; retry++) {
    let answer: T;
    try {
      answer = await attempt();
    } catch (error) {
      if (retry >= retries || signal.aborted || !transientFailure(error)) throw error;
      await backoff(settings.baseDelayMs * 2 ** retry * random(), signal);
      onRetry();
      continue;
    }
    if (retry >= retries || !RETRY_STATUSES.has(answer.status)) return answer;
    await backoff(settings.baseDelayMs * 2 ** retry * random(), signal);
    onRetry();
  }
}

/** Waits `ms`, or rejects with the deadline's reason when it passes first. */
async function backoff(ms: number, signal: DeadlineSignal): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
      untilAborted(signal),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
