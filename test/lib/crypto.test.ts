import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomAlphanumeric, randomBytes } from '../../src/lib/crypto.js';

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

describe('randomBytes (pooled)', () => {
  it('hands out fresh bytes of the size asked, never the same twice, across pool refills', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 8, max: 700 }), { minLength: 1, maxLength: 40 }),
        (sizes) => {
          const seen = new Set<string>();
          for (const size of sizes) {
            const bytes = randomBytes(size);
            expect(bytes.length).toBe(size);
            // 8 random bytes repeat by chance once in 2^64 draws: a repeat is a reused pool slice.
            const text = bytes.toString('hex');
            expect(seen.has(text)).toBe(false);
            seen.add(text);
          }
        },
      ),
    );
  });

  it('gives each caller a buffer of its own: changing one changes no other draw', () => {
    const first = randomBytes(16);
    const copy = Buffer.from(first);
    randomBytes(16).fill(0);
    expect(first).toStrictEqual(copy);
    expect(randomBytes(16).equals(Buffer.alloc(16))).toBe(false);
  });

  it('spreads bytes evenly over 0-255 and refuses a draw larger than its pool', () => {
    const counts = new Array<number>(256).fill(0);
    for (let draw = 0; draw < 400; draw++) for (const byte of randomBytes(640)) counts[byte]!++;
    // 1,000 expected each; chi-square-like bounds loose enough never to flake.
    for (const count of counts) expect(count).toBeGreaterThan(820);
    for (const count of counts) expect(count).toBeLessThan(1_180);
    expect(() => randomBytes(4097)).toThrow(RangeError);
  });
});
