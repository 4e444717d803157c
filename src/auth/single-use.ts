import { createHash } from 'node:crypto';
import type { RedisConnection } from '../cache/index.js';
import { GatewayError, INVALID_TOKEN_CHALLENGE } from '../errors/index.js';

/** Remembers tokens (initial access tokens, signed requests) meant to be used once. */
export interface SingleUse {
  /** Records the use of `useId`; throws the kind's replay error when it was used before. */
  consume(useId: string, expiresAt: number | undefined): Promise<void>;
}

/** What is used once: where its uses are kept in Redis, and how a second use is refused. */
export interface SingleUseKind {
  readonly keyPrefix: string;
  /** What cannot be accepted while uses cannot be recorded (the 503's description). */
  readonly what: string;
  readonly replayed: () => GatewayError;
}

/** Single-use initial access tokens: a second use is an invalid token (RFC 6750 §3.1). */
export const INITIAL_ACCESS_TOKEN_USES: SingleUseKind = Object.freeze({
  keyPrefix: 'dcrgw:iat-used:',
  what: 'single-use tokens',
  replayed: () =>
    new GatewayError('token_replayed', 'the access token is invalid', {
      detail: 'single-use initial access token used before',
      headers: { 'www-authenticate': INVALID_TOKEN_CHALLENGE },
    }),
});

/** Signed registration requests, by `jti`: a second use is an invalid request. */
export const SIGNED_REQUEST_USES: SingleUseKind = Object.freeze({
  keyPrefix: 'dcrgw:request-used:',
  what: 'signed requests',
  replayed: () => new GatewayError('request_replayed', 'the signed request was used before (jti)'),
});

/** How long a use is remembered when the token has no `exp` (static and some opaque tokens). */
export const REMEMBER_WITHOUT_EXP_SECONDS = 30 * 24 * 3600;
/** Past its `exp`, a token is refused anyway; remembered a little longer for clock skew. */
const SKEW_SECONDS = 300;

/**
 * Single use across every gateway instance: `SET NX` of a key derived from the token's use id
 * (a SHA-256, never the token or its `jti` in clear) in the shared Redis, kept until the token
 * expires. Without Redis, or while it fails, single-use tokens and signed requests are refused with 503 (fail
 * closed): accepting one without recording it would let it be used twice.
 */
export function redisSingleUse(
  redis: RedisConnection | undefined,
  kind: SingleUseKind = INITIAL_ACCESS_TOKEN_USES,
  now: () => number = Date.now,
): SingleUse {
  return {
    async consume(useId, expiresAt) {
      if (redis === undefined) throw unavailable(kind, 'no Redis is configured (cache.redis_url)');
      const nowSeconds = Math.floor(now() / 1000);
      const ttl =
        expiresAt === undefined
          ? REMEMBER_WITHOUT_EXP_SECONDS
          : Math.max(
              1,
              Math.min(REMEMBER_WITHOUT_EXP_SECONDS, expiresAt - nowSeconds + SKEW_SECONDS),
            );
      const key = `${kind.keyPrefix}${createHash('sha256').update(useId).digest('base64url')}`;
      let set: string | null;
      try {
        set = await redis.set(key, '1', 'EX', ttl, 'NX');
      } catch (error) {
        throw unavailable(kind, `Redis: ${(error as Error).message}`, error);
      }
      if (set !== 'OK') throw kind.replayed();
    },
  };
}

const unavailable = (kind: SingleUseKind, detail: string, cause?: unknown) =>
  new GatewayError('single_use_unavailable', `${kind.what} cannot be accepted now`, {
    detail,
    ...(cause === undefined ? {} : { cause }),
  });
