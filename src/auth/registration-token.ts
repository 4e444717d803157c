import { createHash } from 'node:crypto';
import { EncryptJWT, jwtDecrypt, errors as joseErrors } from 'jose';
import { invalidToken } from '../errors/index.js';

/** What a gateway registration access token (RAT) carries, encrypted. */
export interface RegistrationGrant {
  /** The route the client was registered through. */
  readonly route: string;
  /** The backend holding the client; survives the route moving to another backend. */
  readonly backend: string;
  readonly clientId: string;
  /** Values the mapping keeps, e.g. the vendor's own RAT and client configuration URI. */
  readonly state: Readonly<Record<string, string>>;
}

export interface TokenKey {
  readonly kid: string;
  /** 32 bytes: the AES-256-GCM content key (`dir`). */
  readonly key: Uint8Array;
}

export interface RegistrationTokens {
  issue(grant: RegistrationGrant): Promise<string>;
  /** Decrypts and checks a token; any failure is the same 401 `invalid_token`. */
  open(token: string): Promise<RegistrationGrant>;
}

const TYP = 'dcr-gateway-rat+jwt';

/**
 * Stateless RATs: JWE compact, `dir` + `A256GCM`, encrypted with the first key; any listed key
 * (by `kid`) decrypts, so keys rotate by prepending a new one. Integrity comes from GCM's tag,
 * checked in constant time by OpenSSL; no token is stored anywhere.
 */
export function createRegistrationTokens(
  keys: readonly TokenKey[],
  ttlSeconds?: number,
): RegistrationTokens {
  const [current] = keys;
  if (current === undefined) throw new Error('at least one registration token key is required');
  const byKid = new Map(keys.map((key) => [key.kid, key.key]));
  return {
    async issue(grant) {
      const jwt = new EncryptJWT({
        rt: grant.route,
        be: grant.backend,
        cid: grant.clientId,
        st: grant.state,
      })
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: current.kid, typ: TYP })
        .setIssuedAt();
      if (ttlSeconds !== undefined) jwt.setExpirationTime(`${ttlSeconds}s`);
      return jwt.encrypt(current.key);
    },
    async open(token) {
      try {
        const { payload } = await jwtDecrypt(token, (header) => keyFor(byKid, header.kid), {
          keyManagementAlgorithms: ['dir'],
          contentEncryptionAlgorithms: ['A256GCM'],
          typ: TYP,
        });
        const { rt, be, cid, st } = payload as Record<string, unknown>;
        if (
          typeof rt !== 'string' ||
          typeof be !== 'string' ||
          typeof cid !== 'string' ||
          !isStringRecord(st)
        ) {
          throw invalidToken('registration token payload malformed');
        }
        return { route: rt, backend: be, clientId: cid, state: st };
      } catch (error) {
        if (error instanceof joseErrors.JOSEError)
          throw invalidToken(`registration token rejected: ${error.code}`);
        throw error;
      }
    },
  };
}

function keyFor(byKid: Map<string, Uint8Array>, kid: string | undefined): Uint8Array {
  const key = kid === undefined ? undefined : byKid.get(kid);
  if (key === undefined) throw invalidToken('registration token kid unknown');
  return key;
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.values(value).every((v) => typeof v === 'string')
  );
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
