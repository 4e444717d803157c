import { timingSafeEqual } from 'node:crypto';
import { invalidToken } from '../errors/index.js';
import { sha256 } from '../lib/crypto.js';
import { bearerToken } from './bearer.js';

/** How a route admits registrations. */
export type RegistrationAccess =
  | { readonly kind: 'open' }
  /** Static initial access tokens, held only as SHA-256 digests. */
  | { readonly kind: 'initial_access_token'; readonly sha256: readonly Buffer[] };

/**
 * Who registered: the key rate limits, quotas and audit lines use. Later inbound modes add a
 * JWT subject, a software id or a certificate thumbprint here.
 */
export type Principal =
  | { readonly kind: 'open' }
  /** `id`: the first 16 hex digits of the token's SHA-256, never the token. */
  | { readonly kind: 'initial_access_token'; readonly id: string };

/**
 * Admits a registration, or throws the RFC 6750 error. Every digest is compared, in constant
 * time, so the answer's timing says nothing about which token came close.
 */
export async function authenticate(
  access: RegistrationAccess,
  authorization: string | undefined,
): Promise<Principal> {
  if (access.kind === 'open') return { kind: 'open' };
  const digest = sha256(bearerToken(authorization));
  let matched = false;
  for (const candidate of access.sha256) matched = timingSafeEqual(digest, candidate) || matched;
  if (!matched) throw invalidToken('initial access token unknown');
  return { kind: 'initial_access_token', id: digest.toString('hex').slice(0, 16) };
}
