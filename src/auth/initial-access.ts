import { timingSafeEqual } from 'node:crypto';
import { invalidToken } from '../errors/index.js';
import { sha256 } from '../lib/crypto.js';
import type { InboundCheck } from './admission.js';
import { bearerToken } from './bearer.js';
import type { SingleUse } from './single-use.js';
import type { TokenMode } from './token-mode.js';

/** Longer than any initial access token a real issuer hands out; beyond it, no mode looks. */
export const MAX_INITIAL_ACCESS_TOKEN_LENGTH = 8_192;

/**
 * Static initial access tokens, held only as SHA-256 digests. Every digest is compared, in
 * constant time, so the answer's timing says nothing about which token came close. The token
 * is named by the first 16 hex digits of its digest, never by itself.
 */
export function staticTokens(digests: readonly Buffer[]): TokenMode {
  return async (token) => {
    const digest = sha256(token);
    let matched = false;
    for (const candidate of digests) matched = timingSafeEqual(digest, candidate) || matched;
    if (!matched) return { refused: 'not a configured static token' };
    const hex = digest.toString('hex');
    return { accepted: { key: `iat:${hex.slice(0, 16)}`, scopes: [], useId: `sha256:${hex}` } };
  };
}

/** How a route's initial access tokens are checked. */
export interface InitialAccessOptions {
  /** Tried in order (static, JWT, introspection); the first that accepts the token wins. */
  readonly modes: readonly TokenMode[];
  /** Each token is accepted once, across every instance sharing the store. */
  readonly singleUse?: SingleUse;
}

/**
 * The initial access token check (RFC 7591 §3): a bearer token in the Authorization header
 * (RFC 6750 §2.1; never a body or query parameter), accepted by one of the route's modes (a
 * mode whose required scope the token lacks answers 403 itself) and, for single use, never
 * seen before. No token: 401 with the
 * bare challenge; no mode accepts it: 401 `invalid_token`, the reasons in the log only.
 */
export function initialAccessToken(options: InitialAccessOptions): InboundCheck {
  return async (request, admission) => {
    const token = bearerToken(request.authorization);
    if (token.length > MAX_INITIAL_ACCESS_TOKEN_LENGTH)
      throw invalidToken(
        `initial access token longer than ${MAX_INITIAL_ACCESS_TOKEN_LENGTH} characters`,
      );
    const reasons: string[] = [];
    for (const mode of options.modes) {
      const verdict = await mode(token);
      if ('refused' in verdict) {
        reasons.push(verdict.refused);
        continue;
      }
      const { accepted } = verdict;
      await options.singleUse?.consume(accepted.useId, accepted.expiresAt);
      return {
        ...admission,
        principal: {
          ...admission.principal,
          kind: 'initial_access_token',
          key: accepted.key,
          ...(accepted.subject === undefined ? {} : { subject: accepted.subject }),
          scopes: accepted.scopes,
        },
      };
    }
    throw invalidToken(`initial access token refused: ${reasons.join('; ')}`);
  };
}
