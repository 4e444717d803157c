import fc from 'fast-check';
import { expect, it } from 'vitest';
import { memoryEntries } from '../../src/cache/memory.js';

/**
 * The in-process entries (memory cache, claims) are bounded: whatever is written, they never
 * hold more than their limit, and what they keep is the most recently written keys, each with
 * its latest value (a model: a list of keys in write order).
 */
it('keeps at most its limit of entries, the most recently written ones', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 8 }),
      fc.array(
        fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'), fc.string()),
        {
          maxLength: 60,
        },
      ),
      (limit, writes) => {
        const entries = memoryEntries(limit);
        const order: string[] = [];
        const latest = new Map<string, string>();
        for (const [key, value] of writes) {
          entries.set(key, value, 60);
          const at = order.indexOf(key);
          if (at !== -1) order.splice(at, 1);
          order.push(key);
          latest.set(key, value);
        }
        const kept = new Set(order.slice(-limit));
        for (const key of 'abcdefghij')
          expect(entries.get(key)).toBe(kept.has(key) ? latest.get(key) : undefined);
      },
    ),
  );
});
