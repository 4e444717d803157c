import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomAlphanumeric } from '../../src/lib/crypto.js';

describe('randomAlphanumeric', () => {
  it('gives exactly the length asked for, in letters and digits only', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), (length) => {
        expect(randomAlphanumeric(length)).toMatch(new RegExp(`^[A-Za-z0-9]{${length}}$`));
      }),
    );
  });

  it('uses every one of the 62 characters about equally often', () => {
    const counts = new Map<string, number>();
    for (const char of randomAlphanumeric(62_000)) counts.set(char, (counts.get(char) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // 1,000 expected each; a biased modulo (256 % 62 = 8 favoured) would give ~1,240 for 8 of them.
    for (const count of counts.values()) expect(count).toBeGreaterThan(820);
    for (const count of counts.values()) expect(count).toBeLessThan(1_180);
  });
});
