import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createSecretKey,
  type KeyObject,
} from 'node:crypto';
import { randomBytes } from '../lib/crypto.js';
import { badVendorResponse, invalidToken } from '../errors/index.js';

/** What a gateway registration access token (RAT) carries, encrypted. */
export interface RegistrationGrant {
  /** The route the client was registered through. */
  readonly route: string;
  /** The backend holding the client; survives the route moving to another backend. */
  readonly backend: string;
  readonly clientId: string;
  /** Values the mapping keeps, e.g. the vendor's own RAT and client configuration URI. */
  readonly state: Readonly<Record<string, unknown>>;
}

export interface TokenKey {
  readonly kid: string;
  /** 32 bytes: the AES-256-GCM content key (`dir`). */
  readonly key: Uint8Array;
}

export interface RegistrationTokens {
  issue(grant: RegistrationGrant): string;
  /** Decrypts and checks a token; any failure is the same 401 `invalid_token`. */
  open(token: string): RegistrationGrant;
}

const TYP = 'dcr-gateway-rat+jwt';

/**
 * Callers send the RAT in an Authorization header, which servers and proxies cap (often at
 * 8 KiB for all headers): a token that could not come back is refused when issued. Its size
 * grows only with what the vendor hands out (its RAT, URIs), so that is the fault named.
 */
export const MAX_TOKEN_LENGTH = 4096;
const b64 = (data: Uint8Array | string) => Buffer.from(data).toString('base64url');
const unb64 = (text: string) => Buffer.from(text, 'base64url');

/**
 * Stateless RATs: JWE compact serialization (RFC 7516), `dir` + `A256GCM`, encrypted with the
 * first key; any listed key (by `kid`) decrypts, so keys rotate by prepending a new one.
 * Integrity comes from GCM's tag, checked in constant time by OpenSSL; no token is stored
 * anywhere. Built on node:crypto directly rather than jose: this is on every request, and
 * WebCrypto's asynchronous round trip through the thread pool cost more than the cipher itself
 * (see README, Performance). The test suite decrypts these tokens with jose, so the format stays
 * standard.
 */
export function createRegistrationTokens(
  keys: readonly TokenKey[],
  ttlSeconds?: number,
): RegistrationTokens {
  const [current] = keys;
  if (current === undefined) throw new Error('at least one registration token key is required');
  // Imported once: a raw key is imported again by every cipher made with it.
  const byKid = new Map(keys.map((key) => [key.kid, createSecretKey(key.key)]));
  const headerOf = (kid: string) =>
    b64(JSON.stringify({ alg: 'dir', enc: 'A256GCM', kid, typ: TYP }));
  /** The headers this gateway writes, by their encoded form: one lookup instead of a parse. */
  const byHeader = new Map(keys.map((key) => [headerOf(key.kid), byKid.get(key.kid)!]));
  const currentKey = createSecretKey(current.key);
  const header = headerOf(current.kid);
  const aad = Buffer.from(header);
  /** The key of a header spelled otherwise (another JOSE library wrote the same members). */
  const keyOfHeader = (protectedHeader: string): KeyObject => {
    const { alg, enc, kid, typ } = parseJson(unb64(protectedHeader)) ?? {};
    const key = typeof kid === 'string' ? byKid.get(kid) : undefined;
    if (alg !== 'dir' || enc !== 'A256GCM' || typ !== TYP || key === undefined) {
      throw invalidToken('registration token header not ours');
    }
    return key;
  };
  return {
    issue(grant) {
      const iat = Math.floor(Date.now() / 1000);
      const claims = {
        rt: grant.route,
        be: grant.backend,
        cid: grant.clientId,
        st: grant.state,
        iat,
      };
      const payload = ttlSeconds === undefined ? claims : { ...claims, exp: iat + ttlSeconds };
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', currentKey, iv).setAAD(aad);
      const body = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
      const token = `${header}..${b64(iv)}.${b64(body)}.${b64(cipher.getAuthTag())}`;
      if (token.length > MAX_TOKEN_LENGTH)
        throw badVendorResponse(
          `the state to keep makes a registration token of ${token.length} characters (limit ${MAX_TOKEN_LENGTH})`,
        );
      return token;
    },
    open(token) {
      const [protectedHeader, encryptedKey, iv, body, tag, ...rest] = token.split('.');
      if (tag === undefined || rest.length > 0 || encryptedKey !== '') {
        throw invalidToken('registration token is not a dir JWE');
      }
      const key = byHeader.get(protectedHeader!) ?? keyOfHeader(protectedHeader!);
      const ivBytes = unb64(iv!);
      const tagBytes = unb64(tag);
      if (ivBytes.length !== 12 || tagBytes.length !== 16)
        throw invalidToken('registration token malformed');
      let plaintext: Buffer;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, ivBytes).setAAD(
          Buffer.from(protectedHeader!),
        );
        decipher.setAuthTag(tagBytes);
        plaintext = Buffer.concat([decipher.update(unb64(body!)), decipher.final()]);
      } catch {
        throw invalidToken('registration token does not decrypt');
      }
      const { rt, be, cid, st, exp } = parseJson(plaintext) ?? {};
      if (typeof exp === 'number' && exp <= Date.now() / 1000)
        throw invalidToken('registration token expired');
      if (
        typeof rt !== 'string' ||
        typeof be !== 'string' ||
        typeof cid !== 'string' ||
        !isRecord(st)
      ) {
        throw invalidToken('registration token payload malformed');
      }
      return { route: rt, backend: be, clientId: cid, state: st };
    },
  };
}

function parseJson(bytes: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A digest of a grant's backend state. Cached reads are served only to a token whose digest
 * matches, so a token retired by vendor RAT rotation never reads from the cache.
 */
export function grantDigest(grant: RegistrationGrant): string {
  const state = Object.keys(grant.state)
    .sort()
    .map((key) => [key, grant.state[key]]);
  return createHash('sha256')
    .update(JSON.stringify([grant.backend, grant.clientId, state]))
    .digest('base64url');
}
