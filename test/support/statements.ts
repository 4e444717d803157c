import fc from 'fast-check';
import { CompactEncrypt, SignJWT, type CryptoKey, type JWTPayload } from 'jose';

/** base64url of a value's JSON. */
export const encodeSegment = (value: unknown): string =>
  Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsigned JWT (`alg: none`, empty signature), as an attacker would send it. */
export const unsignedJwt = (claims: JWTPayload): string =>
  `${encodeSegment({ alg: 'none', typ: 'JWT' })}.${encodeSegment(claims)}.`;

/** A JWT MACed with a shared secret (a publisher's, or a guessed one). */
export const hmacJwt = (claims: JWTPayload, secret: string, alg = 'HS256'): Promise<string> =>
  new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT' }).sign(Buffer.from(secret));

/** A compact JWE (RSA-OAEP-256, A256GCM) of `jws` for `publicKey`. */
export const encryptJwt = (jws: string, publicKey: CryptoKey): Promise<string> =>
  new CompactEncrypt(new TextEncoder().encode(jws))
    .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'JWT' })
    .encrypt(publicKey);

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * `jws` with one character of one segment replaced, and which segment (0 header, 1 payload,
 * 2 signature). The last character of a segment is left alone: it may carry padding bits only,
 * so a change there can decode to the same bytes.
 */
export function mutatedJws(jws: string): fc.Arbitrary<{ segment: number; text: string }> {
  const segments = jws.split('.');
  return fc
    .tuple(
      fc.integer({ min: 0, max: segments.length - 1 }),
      fc.nat(),
      fc.constantFrom(...BASE64URL),
    )
    .map(([segment, at, replacement]) => {
      const part = segments[segment]!;
      const position = at % (part.length - 1);
      const changed = part.slice(0, position) + replacement + part.slice(position + 1);
      return { segment, text: segments.map((p, i) => (i === segment ? changed : p)).join('.') };
    })
    .filter(({ text }) => text !== jws);
}
