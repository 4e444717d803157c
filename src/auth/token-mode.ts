import { insufficientScope } from '../errors/index.js';

/**
 * One way an initial access token may be accepted (static digests, a JWT against a JWKS, RFC
 * 7662 introspection). A mode that does not accept the token says why (`refused`); one that
 * cannot decide (its JWKS or endpoint is down) throws, so the caller gets a 503, not a 401.
 */
export type TokenMode = (token: string) => Promise<TokenVerdict>;

export type TokenVerdict = { readonly accepted: AcceptedToken } | { readonly refused: string };

/** What a mode learned about an accepted token. */
export interface AcceptedToken {
  /** The principal's secret-free key: `iat:<digest>`, `sub:<issuer> <subject>`. */
  readonly key: string;
  readonly subject?: string;
  readonly scopes: readonly string[];
  /** What names this token for single use (its `jti` within its issuer, or its digest). */
  readonly useId: string;
  /** When the token stops being valid, epoch seconds; undefined when it never does. */
  readonly expiresAt?: number;
}

/** A verified token without the mode's required scope: 403 `insufficient_scope` (RFC 6750 §3.1). */
export function requireScope(scopes: readonly string[], required: string | undefined): void {
  if (required !== undefined && !scopes.includes(required)) throw insufficientScope(required);
}

/** Scopes granted by a token's claims: `scope` (space-separated, RFC 8693 §4.2) or `scp` (a list). */
export function scopesOf(claims: Readonly<Record<string, unknown>>): readonly string[] {
  if (typeof claims.scope === 'string') return claims.scope.split(' ').filter(Boolean);
  if (Array.isArray(claims.scp))
    return claims.scp.filter((s): s is string => typeof s === 'string');
  if (typeof claims.scp === 'string') return claims.scp.split(' ').filter(Boolean);
  return [];
}
