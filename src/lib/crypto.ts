import { createHash, timingSafeEqual } from 'node:crypto';

export function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Compares two secrets in constant time for their length; a length mismatch is simply false. */
export function sameSecret(given: string, actual: unknown): boolean {
  if (typeof actual !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(actual);
  return a.length === b.length && timingSafeEqual(a, b);
}
