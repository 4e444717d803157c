import fc from 'fast-check';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import {
  createSlots,
  DeadlineExceeded,
  inSlot,
  withDeadline,
  type DeadlineSignal,
} from '../../src/backends/deadline.js';

/**
 * Generated timings on a fake clock: callers arriving at random moments, vendors that take
 * random time to send headers and then drip a random number of chunks at a random interval, and
 * that honour the abort signal or not (undici does not while a request waits for a socket). In
 * every run each call settles by its deadline, exactly at it when it fails, with at most `limit`
 * exchanges at the vendor at once, slots granted in arrival order, and every slot back at the end.
 */
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

interface Script {
  readonly arriveAt: number;
  readonly headersAfter: number;
  readonly chunks: number;
  readonly dripEvery: number;
  readonly honoursSignal: boolean;
}

const script: fc.Arbitrary<Script> = fc.record({
  arriveAt: fc.integer({ min: 0, max: 300 }),
  headersAfter: fc.integer({ min: 0, max: 300 }),
  chunks: fc.integer({ min: 0, max: 6 }),
  dripEvery: fc.integer({ min: 1, max: 100 }),
  honoursSignal: fc.boolean(),
});

/** A timer that, if asked to, stops early with the abort reason like a destroyed socket. */
const pause = (ms: number, signal?: DeadlineSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

interface Outcome {
  readonly index: number;
  readonly started: number;
  readonly settled: number;
  readonly ok: boolean;
  readonly error: unknown;
  /** When the vendor exchange began (got a slot), if it did. */
  readonly granted: number | undefined;
  /** When the vendor exchange would have ended, had nobody given up. */
  readonly wouldEnd: number | undefined;
}

it('settles every call by its deadline whatever the vendor and the queue do', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 10, max: 400 }),
      fc.array(script, { minLength: 1, maxLength: 24 }),
      async (limit, deadline, scripts) => {
        vi.setSystemTime(0);
        const slots = createSlots(limit);
        let atVendor = 0;
        let peak = 0;
        const grants: number[] = [];
        const outcomes: Promise<Outcome>[] = scripts.map(
          (call, index) =>
            new Promise<Outcome>((done) => {
              setTimeout(() => {
                const started = Date.now();
                let granted: number | undefined;
                let wouldEnd: number | undefined;
                const vendor = async (signal: DeadlineSignal) => {
                  granted = Date.now();
                  wouldEnd = granted + call.headersAfter + call.chunks * call.dripEvery;
                  grants.push(index);
                  peak = Math.max(peak, ++atVendor);
                  const heard = call.honoursSignal ? signal : undefined;
                  try {
                    await pause(call.headersAfter, heard);
                    for (let chunk = 0; chunk < call.chunks; chunk++) {
                      await pause(call.dripEvery, heard);
                    }
                    return 'answer';
                  } finally {
                    atVendor--;
                  }
                };
                const settle = (ok: boolean, error: unknown) =>
                  done({ index, started, settled: Date.now(), ok, error, granted, wouldEnd });
                withDeadline(deadline, (signal) => inSlot(slots, signal, vendor)).then(
                  () => settle(true, undefined),
                  (error: unknown) => settle(false, error),
                );
              }, call.arriveAt);
            }),
        );
        await vi.runAllTimersAsync();
        const results = await Promise.all(outcomes);

        for (const result of results) {
          expect(result.settled).toBeLessThanOrEqual(result.started + deadline);
          if (result.ok) {
            expect(result.settled).toBe(result.wouldEnd);
          } else {
            expect(result.error).toBeInstanceOf(DeadlineExceeded);
            expect(result.settled).toBe(result.started + deadline);
          }
          // Only a caller still inside its deadline reaches the vendor.
          if (result.granted !== undefined) {
            expect(result.granted).toBeLessThanOrEqual(result.started + deadline);
          }
        }
        expect(peak).toBeLessThanOrEqual(limit);
        // Slots go in arrival order: the granted callers, by arrival, are the grant order.
        const byArrival = [...results]
          .sort((a, b) => a.started - b.started || a.index - b.index)
          .map((result) => result.index)
          .filter((index) => grants.includes(index));
        expect(grants).toStrictEqual(byArrival);
        // Nobody waited while a slot stood free: with fewer callers than slots, all got one.
        if (scripts.length <= limit) expect(grants).toHaveLength(scripts.length);
        expect({ inUse: slots.inUse, waiting: slots.waiting }).toStrictEqual({
          inUse: 0,
          waiting: 0,
        });
      },
    ),
    { numRuns: 200 },
  );
});
