import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/** A client allowed the client-credentials grant at the token endpoint, and its scopes. */
export interface TokenClient {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scopes: readonly string[];
}

export interface AccessTokens {
  issue(clientId: string, scope: string): { token: string; expiresIn: number };
  /** `undefined`: not a live JWT this realm issued (§1); else its `scope` claim values. */
  verify(token: string): readonly string[] | undefined;
  /** Forgets every token issued so far, as a host restart with new keys would. */
  revokeAll(): void;
}

const b64 = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/**
 * §1 create-token rules: a JWT signed by this server for this realm (`iss`), unexpired, and
 * (from 4.0.8) present in the token store. HS256 with a key made at start stands in for the
 * host's signing key: only its issuer can make one.
 */
export function createAccessTokens(issuer: string, lifetimeSeconds: number): AccessTokens {
  const key = randomBytes(32);
  const live = new Map<string, number>();
  const header = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const sign = (input: string) => createHmac('sha256', key).update(input).digest();
  return {
    issue(clientId, scope) {
      const now = Math.floor(Date.now() / 1000);
      const jti = randomUUID();
      const exp = now + lifetimeSeconds;
      const payload = b64(
        JSON.stringify({ iss: issuer, client_id: clientId, scope, iat: now, exp, jti }),
      );
      live.set(jti, exp);
      return {
        token: `${header}.${payload}.${b64(sign(`${header}.${payload}`))}`,
        expiresIn: lifetimeSeconds,
      };
    },
    verify(token) {
      const [head, payload, signature, ...rest] = token.split('.');
      if (head === undefined || payload === undefined || signature === undefined || rest.length > 0)
        return undefined;
      const expected = sign(`${head}.${payload}`);
      const given = Buffer.from(signature, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      let claims: { iss?: unknown; scope?: unknown; exp?: unknown; jti?: unknown };
      try {
        claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      } catch {
        return undefined;
      }
      const now = Date.now() / 1000;
      if (claims.iss !== issuer || typeof claims.exp !== 'number' || claims.exp <= now)
        return undefined;
      if (typeof claims.jti !== 'string' || !live.has(claims.jti)) return undefined;
      return typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
    },
    revokeAll: () => live.clear(),
  };
}
