import { createHash, timingSafeEqual } from 'node:crypto';
import { invalidToken } from '../errors/index.js';
import { bearerToken } from './bearer.js';

/** How a route admits registrations. */
export type RegistrationAccess =
  | { readonly kind: 'open' }
  /** Static initial access tokens, held only as SHA-256 digests. */
  | { readonly kind: 'initial_access_token'; readonly sha256: readonly Buffer[] };

export function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Admits a registration or throws the RFC 6750 error. Every digest is compared, in constant
 * time, so the answer's timing says nothing about which token came close.
 */
export function checkRegistrationAccess(
  access: RegistrationAccess,
  authorization: string | undefined,
): void {
  if (access.kind === 'open') return;
  const digest = sha256(bearerToken(authorization));
  let matched = false;
  for (const candidate of access.sha256) matched = timingSafeEqual(digest, candidate) || matched;
  if (!matched) throw invalidToken('initial access token unknown');
}
