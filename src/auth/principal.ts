/**
 * Who is registering, as inbound authentication established it: what rate limits, quotas,
 * field gates and audit lines use. Never holds a secret: tokens are named by a digest prefix.
 */
export interface Principal {
  /** The credential that identified the caller; `open` when the route asked for none. */
  readonly kind: PrincipalKind;
  /**
   * A stable, secret-free name for limits and audit (`iat:<16 hex of the token's SHA-256>`,
   * `sub:<issuer> <subject>`, `software:<software_id>`, `cert:<SHA-256 thumbprint>`); undefined
   * for an open route, where the caller's address is all there is.
   */
  readonly key: string | undefined;
  /** The token's subject (JWT `sub`, introspection `sub` or `client_id`), when it has one. */
  readonly subject?: string;
  /** Scopes the initial access token grants (JWT `scope`/`scp`, introspection `scope`). */
  readonly scopes: readonly string[];
  /** RFC 7591 §2.3 `software_id` of a verified software statement. */
  readonly softwareId?: string;
  /** RFC 8705 §3.1 `x5t#S256` of the client certificate presented, base64url. */
  readonly certificateThumbprint?: string;
}

export type PrincipalKind =
  'open' | 'initial_access_token' | 'software_statement' | 'client_certificate';

export const OPEN_PRINCIPAL: Principal = Object.freeze({
  kind: 'open',
  key: undefined,
  scopes: Object.freeze([]) as readonly string[],
});
