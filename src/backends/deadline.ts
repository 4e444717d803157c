/**
 * One total deadline per vendor call. undici's own timeouts do not add up to one: its
 * `headersTimeout`/`bodyTimeout` start only once a pooled socket is assigned and the body timeout
 * restarts with every chunk, so a saturated pool or a vendor dripping one byte at a time keeps a
 * caller far beyond any bound. Here the clock starts when the gateway decides to call and covers
 * everything until the body is read.
 */

/** The abort reason of a call whose deadline passed. */
export class DeadlineExceeded extends Error {
  readonly ms: number;
  constructor(ms: number) {
    super(`no complete answer within ${ms} ms`);
    this.name = 'DeadlineExceeded';
    this.ms = ms;
  }
}

/**
 * What the vendor path reads of an abort signal: an `AbortSignal` has it, and undici takes any
 * object that has it.
 */
export interface DeadlineSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * The signal `withDeadline` hands out. Not an AbortController: creating one took 4.5 µs on
 * Node 20 (its EventTarget), half the deadline's cost on every vendor call (README,
 * Performance). It aborts once; every listener hears it once.
 */
class Deadline implements DeadlineSignal {
  aborted = false;
  reason: unknown = undefined;
  #listeners: (() => void)[] = [];

  addEventListener(_type: 'abort', listener: () => void): void {
    if (!this.aborted) this.#listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const index = this.#listeners.indexOf(listener);
    if (index !== -1) this.#listeners.splice(index, 1);
  }

  abort(reason: DeadlineExceeded): void {
    this.aborted = true;
    this.reason = reason;
    const listeners = this.#listeners;
    this.#listeners = [];
    for (const listener of listeners) listener();
  }
}

/**
 * Runs `call` with a signal that aborts after `ms` and settles no later than that: with the
 * call's result, or with `DeadlineExceeded` even when the call ignores its signal.
 */
export async function withDeadline<T>(
  ms: number,
  call: (signal: DeadlineSignal) => Promise<T>,
): Promise<T> {
  const signal = new Deadline();
  let expire: (reason: DeadlineExceeded) => void = () => undefined;
  // Rejected by the timer itself: no listener on the signal for the deadline's own race.
  const expired = new Promise<never>((_resolve, reject) => (expire = reject));
  const timer = setTimeout(() => {
    const reason = new DeadlineExceeded(ms);
    signal.abort(reason);
    expire(reason);
  }, ms);
  try {
    return await Promise.race([call(signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Rejects with the signal's reason once it aborts; never resolves. Raced against work that may
 * not honour the signal (undici only does once a socket is assigned, a shared fetch never does).
 */
export function untilAborted(signal: DeadlineSignal): Promise<never> {
  return new Promise<never>((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** Frees a slot; calling it again does nothing. */
export type Release = () => void;

/** A FIFO limit on concurrent vendor exchanges. */
export interface Slots {
  /**
   * Resolves with a slot, first come first served. A caller whose signal aborts while it waits
   * leaves the queue at once with the signal's reason and never gets one.
   */
  acquire(signal: DeadlineSignal): Promise<Release>;
  /** Slots held now. */
  readonly inUse: number;
  /** Callers waiting now. */
  readonly waiting: number;
}

interface Waiter {
  /** Set when its caller left; skipped then, so leaving costs nothing even in a long queue. */
  gone: boolean;
  grant(release: Release): void;
}

/**
 * `limit` slots handed out in arrival order. The backend pool has as many connections, so a
 * request that holds a slot never queues inside undici, where its wait would go unseen and its
 * abort unheard until a socket frees up.
 */
export function createSlots(limit: number): Slots {
  let inUse = 0;
  let waiting = 0;
  const queue: Waiter[] = [];
  const newRelease = (): Release => {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      let next = queue.shift();
      while (next?.gone) next = queue.shift();
      if (next === undefined) inUse--;
      else next.grant(newRelease()); // the slot passes on; inUse is unchanged
    };
  };
  return {
    acquire(signal) {
      if (signal.aborted) return Promise.reject(signal.reason);
      if (inUse < limit) {
        inUse++;
        return Promise.resolve(newRelease());
      }
      return new Promise<Release>((resolve, reject) => {
        const leave = () => {
          waiter.gone = true;
          waiting--;
          reject(signal.reason);
        };
        const waiter: Waiter = {
          gone: false,
          grant(granted) {
            signal.removeEventListener('abort', leave);
            waiting--;
            resolve(granted);
          },
        };
        queue.push(waiter);
        waiting++;
        signal.addEventListener('abort', leave, { once: true });
      });
    },
    get inUse() {
      return inUse;
    },
    get waiting() {
      return waiting;
    },
  };
}

/**
 * Runs `work` in a slot and settles when `signal` aborts, whichever comes first. The slot is
 * freed when `work` really ends, not at the abort: until then its socket is still busy, and
 * handing the slot on early would queue the next request inside undici.
 */
export async function inSlot<T>(
  slots: Slots,
  signal: DeadlineSignal,
  work: (signal: DeadlineSignal) => Promise<T>,
): Promise<T> {
  const release = await slots.acquire(signal);
  const running = (async () => work(signal))();
  running.then(release, release);
  return Promise.race([running, untilAborted(signal)]);
}
