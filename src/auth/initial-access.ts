import { timingSafeEqual } from 'node:crypto';
import { invalidToken } from '../errors/index.js';
import { sha256 } from '../lib/crypto.js';
import type { InboundCheck } from './admission.js';
import { bearerToken } from './bearer.js';

/**
 * Static initial access tokens, held only as SHA-256 digests. Every digest is compared, in
 * constant time, so the answer's timing says nothing about which token came close. The
 * principal is named by the first 16 hex digits of the digest, never by the token.
 */
export function staticTokens(digests: readonly Buffer[]): InboundCheck {
  return async (request, admission) => {
    const digest = sha256(bearerToken(request.authorization));
    let matched = false;
    for (const candidate of digests) matched = timingSafeEqual(digest, candidate) || matched;
    if (!matched) throw invalidToken('initial access token unknown');
    return {
      ...admission,
      principal: {
        ...admission.principal,
        kind: 'initial_access_token',
        key: `iat:${digest.toString('hex').slice(0, 16)}`,
      },
    };
  };
}
