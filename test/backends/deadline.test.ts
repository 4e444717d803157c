import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import {
  createSlots,
  DeadlineExceeded,
  inSlot,
  untilAborted,
  withDeadline,
  type DeadlineSignal,
} from '../../src/backends/deadline.js';

/**
 * The deadline and the slot queue on a fake clock: what settles when is decided by the timers
 * alone, never by how fast the machine is.
 */
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A promise and the means to settle it from outside. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Where a promise stands, after the microtasks queued so far have run. */
async function state(promise: Promise<unknown>): Promise<string> {
  let seen = 'pending';
  promise.then(
    (value) => (seen = `resolved ${String(value)}`),
    (error: unknown) => (seen = `rejected ${error instanceof Error ? error.name : String(error)}`),
  );
  await vi.advanceTimersByTimeAsync(0);
  return seen;
}

const NEVER = new AbortController().signal;

it('settles with the answer when the call ends before the deadline', async () => {
  const answer = deferred<string>();
  const call = withDeadline(100, () => answer.promise);
  await vi.advanceTimersByTimeAsync(99);
  answer.resolve('ok');
  expect(await state(call)).toBe('resolved ok');
});

it('aborts the signal and rejects with DeadlineExceeded at the deadline, even if the call ignores it', async () => {
  let signal: DeadlineSignal | undefined;
  const call = withDeadline(100, (given) => {
    signal = given;
    return new Promise<never>(() => undefined);
  });
  await vi.advanceTimersByTimeAsync(99);
  expect(await state(call)).toBe('pending');
  expect(signal!.aborted).toBe(false);
  await vi.advanceTimersByTimeAsync(1);
  expect(await state(call)).toBe('rejected DeadlineExceeded');
  expect(signal!.reason).toBeInstanceOf(DeadlineExceeded);
  await expect(call).rejects.toMatchObject({
    ms: 100,
    message: 'no complete answer within 100 ms',
  });
});

it('tells each listener of the deadline once, and none removed or added after it passed', async () => {
  const heard: string[] = [];
  const call = withDeadline(100, (signal) => {
    const listener = (name: string) => () => heard.push(name);
    const removed = listener('removed');
    signal.addEventListener('abort', listener('first'), { once: true });
    signal.addEventListener('abort', removed);
    signal.addEventListener('abort', listener('second'));
    signal.removeEventListener('abort', removed);
    return new Promise<never>((_resolve, reject) =>
      signal.addEventListener('abort', () => {
        signal.addEventListener('abort', listener('late'));
        reject(signal.reason);
      }),
    );
  });
  await vi.advanceTimersByTimeAsync(99);
  expect(await state(call)).toBe('pending');
  expect(heard).toEqual([]);
  await vi.advanceTimersByTimeAsync(1);
  expect(await state(call)).toBe('rejected DeadlineExceeded');
  await vi.advanceTimersByTimeAsync(1_000);
  expect(heard).toEqual(['first', 'second']);
});

it('untilAborted rejects with the reason, at once when the signal is already aborted', async () => {
  const controller = new AbortController();
  const waiting = untilAborted(controller.signal);
  expect(await state(waiting)).toBe('pending');
  controller.abort(new DeadlineExceeded(5));
  expect(await state(waiting)).toBe('rejected DeadlineExceeded');
  expect(await state(untilAborted(controller.signal))).toBe('rejected DeadlineExceeded');
});

it('hands slots out first come first served', async () => {
  const slots = createSlots(1);
  const first = await slots.acquire(NEVER);
  const order: string[] = [];
  const waiters = ['b', 'c', 'd'].map((name) =>
    slots.acquire(NEVER).then((release) => {
      order.push(name);
      return release;
    }),
  );
  expect(slots.waiting).toBe(3);
  first();
  (await waiters[0]!)();
  (await waiters[1]!)();
  (await waiters[2]!)();
  expect(order).toStrictEqual(['b', 'c', 'd']);
  expect({ inUse: slots.inUse, waiting: slots.waiting }).toStrictEqual({ inUse: 0, waiting: 0 });
});

it('lets a caller whose deadline passes leave the queue without ever getting a slot', async () => {
  const slots = createSlots(1);
  const held = await slots.acquire(NEVER);
  const impatient = new AbortController();
  const leaving = slots.acquire(impatient.signal);
  const next = slots.acquire(NEVER);
  impatient.abort(new DeadlineExceeded(10));
  expect(await state(leaving)).toBe('rejected DeadlineExceeded');
  expect(slots.waiting).toBe(1);
  held();
  expect(await state(next)).toMatch(/^resolved/);
  expect(slots.inUse).toBe(1);
});

it('refuses a caller whose deadline has already passed without taking a slot', async () => {
  const slots = createSlots(2);
  const late = new AbortController();
  late.abort(new DeadlineExceeded(1));
  expect(await state(slots.acquire(late.signal))).toBe('rejected DeadlineExceeded');
  expect(slots.inUse).toBe(0);
});

it('frees a slot once, however often its release is called', async () => {
  const slots = createSlots(1);
  const release = await slots.acquire(NEVER);
  const next = slots.acquire(NEVER);
  release();
  release();
  const second = await next;
  expect(slots.inUse).toBe(1);
  const third = slots.acquire(NEVER);
  expect(slots.waiting).toBe(1);
  second();
  (await third)();
  expect(slots.inUse).toBe(0);
});

it('keeps the slot of an abandoned exchange until the exchange really ends', async () => {
  const slots = createSlots(1);
  const exchange = deferred<string>();
  const controller = new AbortController();
  const call = inSlot(slots, controller.signal, () => exchange.promise);
  const next = inSlot(slots, NEVER, async () => 'second');
  controller.abort(new DeadlineExceeded(10));
  expect(await state(call)).toBe('rejected DeadlineExceeded');
  // Its socket is still busy: the next exchange waits rather than queueing inside undici.
  expect(await state(next)).toBe('pending');
  exchange.reject(new Error('socket destroyed'));
  expect(await state(next)).toBe('resolved second');
  expect(slots.inUse).toBe(0);
});

it('frees the slot of an exchange that throws before it returns a promise', async () => {
  const slots = createSlots(1);
  const failing = inSlot(slots, NEVER, () => {
    throw new Error('bad request');
  });
  await expect(failing).rejects.toThrow('bad request');
  expect(slots.inUse).toBe(0);
});
