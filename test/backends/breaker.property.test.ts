import fc from 'fast-check';
import { expect, it } from 'vitest';
import { createBreaker } from '../../src/backends/breaker.js';

/**
 * The breaker against a model, over generated runs of calls, outcomes and clock steps: it opens
 * exactly at the threshold of consecutive failures, refuses every call while open (503 with the
 * seconds left), lets exactly one probe through once the time is up, and that probe decides.
 */
const step = fc.oneof(
  fc.record({ kind: fc.constant('call' as const), failed: fc.boolean() }),
  fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 1_500 }) }),
);

it('behaves as the model on any run', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4 }),
      fc.array(step, { maxLength: 60 }),
      (threshold, steps) => {
        let clock = 0;
        const breaker = createBreaker(
          'b',
          { failureThreshold: threshold, openMs: 1_000 },
          undefined,
          () => clock,
        );
        let failures = 0;
        let openedAt: number | undefined;
        for (const s of steps) {
          if (s.kind === 'wait') {
            clock += s.ms;
            continue;
          }
          const open = openedAt !== undefined && clock - openedAt < 1_000;
          if (open) {
            expect(() => breaker.admit()).toThrow(
              expect.objectContaining({
                status: 503,
                headers: {
                  'retry-after': String(
                    Math.max(1, Math.ceil((1_000 - (clock - openedAt!)) / 1000)),
                  ),
                },
              }),
            );
            continue;
          }
          breaker.admit(); // closed, or half-open: this call is the probe
          const probing = openedAt !== undefined;
          breaker.record(s.failed);
          if (!s.failed) {
            failures = 0;
            openedAt = undefined;
          } else if (probing || ++failures >= threshold) {
            openedAt = clock;
          }
          expect(breaker.state()).toBe(openedAt === undefined ? 'closed' : 'open');
        }
      },
    ),
  );
});

it('admits one probe at a time while half-open', () => {
  let clock = 0;
  const breaker = createBreaker(
    'b',
    { failureThreshold: 1, openMs: 1_000 },
    undefined,
    () => clock,
  );
  breaker.admit();
  breaker.record(true);
  clock = 1_000;
  expect(breaker.state()).toBe('half_open');
  breaker.admit();
  expect(() => breaker.admit()).toThrow(
    expect.objectContaining({ headers: { 'retry-after': '1' } }),
  );
  breaker.record(false);
  expect(breaker.state()).toBe('closed');
  breaker.admit();
});
