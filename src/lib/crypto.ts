import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

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
    for (const byte of randomBytes(length))
      if (byte < 248 && text.length < length) text += ALPHANUMERIC[byte % 62];
  return text;
}
