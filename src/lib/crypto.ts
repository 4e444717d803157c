import { createHash, randomFillSync, timingSafeEqual } from 'node:crypto';

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

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * `length` uniformly random letters and digits (about 5.95 bits each: 43 carry 256 bits). No
 * character a client must form-encode in HTTP Basic (RFC 6749 §2.3.1), which IdPs that compare
 * the credential undecoded (LemonLDAP::NG) would then refuse.
 */
export function randomAlphanumeric(length: number): string {
  let text = '';
  while (text.length < length)
    // 248 = 4 × 62: bytes at or above it are dropped, so every character is equally likely.
    for (const byte of randomBytes(Math.min(length, 1024)))
      if (byte < 248 && text.length < length) text += ALPHANUMERIC[byte % 62];
  return text;
}

/**
 * Random bytes from the system CSPRNG, drawn from a pool refilled 4 KiB at a time: one
 * `randomBytes` call cost about 4 µs here whatever its size, and a registration needs several
 * (its trace id and span ids, the RAT's and the cache entry's IVs). Node's own `randomUUID`
 * pools the same way. Every byte is handed out once.
 */
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let offset = POOL_SIZE;

/** `size` (at most 4096) fresh random bytes, in a buffer of their own. */
export function randomBytes(size: number): Buffer {
  if (size > POOL_SIZE) throw new RangeError(`at most ${POOL_SIZE} random bytes at a time`);
  if (offset + size > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const bytes = Buffer.from(pool.subarray(offset, offset + size));
  pool.fill(0, offset, offset + size);
  offset += size;
  return bytes;
}
