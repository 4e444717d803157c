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
