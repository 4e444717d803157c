import { GatewayError } from '../errors/index.js';

/** When a backend's breaker opens, and for how long it stays open. */
export interface BreakerSettings {
  /** Consecutive failed calls (no answer, timeout, 5xx) that open it. */
  readonly failureThreshold: number;
  /** How long it stays open before one probe call may try the backend again. */
  readonly openMs: number;
}

export type BreakerState = 'closed' | 'open' | 'half_open';

/**
 * A circuit breaker per backend. Closed: calls go through, consecutive failures are counted.
 * Open (after `failureThreshold` of them): every call fails at once with 503 and a Retry-After
 * of the time left, sparing a backend that is down the gateway's whole load and callers the
 * wait for a deadline. Half-open (once `openMs` passed): one probe goes through; its success
 * closes the breaker, its failure opens it again. A 4xx is an answer, not a failure.
 */
export interface Breaker {
  /** Throws the open breaker's 503; otherwise admits the call (as the probe when half-open). */
  admit(): void;
  /** The admitted call's outcome. */
  record(failed: boolean): void;
  state(): BreakerState;
}

export function createBreaker(
  backend: string,
  settings: BreakerSettings,
  onChange: (state: BreakerState) => void = () => undefined,
  now: () => number = Date.now,
): Breaker {
  let failures = 0;
  let openedAt: number | undefined;
  let probing = false;
  const state = (): BreakerState =>
    openedAt === undefined ? 'closed' : now() - openedAt < settings.openMs ? 'open' : 'half_open';
  const open = () => {
    openedAt = now();
    probing = false;
    onChange('open');
  };
  return {
    admit() {
      const current = state();
      if (current === 'closed') return;
      if (current === 'half_open' && !probing) {
        probing = true;
        onChange('half_open');
        return;
      }
      // Half-open with its probe out: the answer is a moment away.
      const left = current === 'open' ? settings.openMs - (now() - openedAt!) : 1_000;
      throw breakerOpen(backend, Math.max(1, Math.ceil(left / 1000)));
    },
    record(failed) {
      if (!failed) {
        if (openedAt !== undefined) onChange('closed');
        failures = 0;
        openedAt = undefined;
        probing = false;
        return;
      }
      failures++;
      if (probing || (openedAt === undefined && failures >= settings.failureThreshold)) open();
    },
    state,
  };
}

const breakerOpen = (backend: string, retryAfterSeconds: number) =>
  new GatewayError('backend_unavailable', 'the identity provider is unavailable', {
    detail: `backend ${backend}: circuit breaker open`,
    headers: { 'retry-after': String(retryAfterSeconds) },
  });
