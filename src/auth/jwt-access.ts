import { errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { GatewayError } from '../errors/index.js';
import { COMPACT_JWS } from '../lib/compact-jose.js';
import { sha256 } from '../lib/crypto.js';
import type { AsymmetricJwsAlgorithm } from '../lib/jws-algorithms.js';
import { requireScope, scopesOf, type TokenMode } from './token-mode.js';

/** How a JWT initial access token is verified. */
export interface JwtAccessSettings {
  readonly issuer: string;
  readonly audience: readonly string[];
  readonly algorithms: readonly AsymmetricJwsAlgorithm[];
  readonly clockSkewSeconds: number;
  readonly requiredScope?: string;
}

/**
 * A JWT initial access token verified with jose against the issuer's key set: signature by a
 * listed algorithm (the key from the set by `kid`/`alg` only: `jku`, `x5u` and `jwk` headers
 * are never followed), `iss`, `aud`, `exp` (required), `nbf` and `iat` within the clock skew.
 * Named by `sub:<issuer> <sub>`; single use by its `jti` (or its digest without one).
 */
export function jwtAccess(settings: JwtAccessSettings, keys: JWTVerifyGetKey): TokenMode {
  return async (token) => {
    if (!COMPACT_JWS.test(token)) return { refused: 'not a JWT' };
    let payload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: settings.issuer,
        audience: [...settings.audience],
        algorithms: [...settings.algorithms],
        clockTolerance: settings.clockSkewSeconds,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      if (error instanceof GatewayError) throw error; // the key set is unavailable: 503
      return { refused: `JWT: ${reason(error)}` };
    }
    const scopes = scopesOf(payload);
    requireScope(scopes, settings.requiredScope);
    const subject = typeof payload.sub === 'string' ? payload.sub : undefined;
    const digest = sha256(token).toString('hex');
    return {
      accepted: {
        key:
          subject === undefined
            ? `iat:${digest.slice(0, 16)}`
            : `sub:${settings.issuer} ${subject}`,
        ...(subject === undefined ? {} : { subject }),
        scopes,
        useId:
          typeof payload.jti === 'string'
            ? `jti:${settings.issuer} ${payload.jti}`
            : `sha256:${digest}`,
        expiresAt: payload.exp!,
      },
    };
  };
}

/** jose's error as a log-safe reason (its code and message name claims, never the token). */
function reason(error: unknown): string {
  if (error instanceof errors.JOSEError) return `${error.code}: ${error.message}`;
  return 'unverifiable';
}
