import type { OutboundPolicy } from '../lib/outbound-url.js';
import { OPEN_ACCESS, type InboundCheck, type RegistrationAccess } from './admission.js';
import { staticTokens } from './initial-access.js';

/**
 * A route's inbound authentication as the config declares it (data only: config resolves it,
 * `createAccess` turns it into checks at assembly). No member set: an open route.
 */
export interface AccessSettings {
  /** Static initial access tokens, as SHA-256 digests. */
  readonly staticTokens?: readonly Buffer[];
}

export const OPEN_SETTINGS: AccessSettings = Object.freeze({});

/** What the checks need beyond their settings, from the app's assembly. */
export interface AccessDeps {
  /** The route's outbound-URL policy: every URL the gateway itself fetches (JWKS) passes it. */
  readonly outbound: OutboundPolicy;
}

/** The checks a route's settings call for, in the order they run. */
export function createAccess(settings: AccessSettings, _deps: AccessDeps): RegistrationAccess {
  const checks: InboundCheck[] = [];
  if (settings.staticTokens !== undefined) checks.push(staticTokens(settings.staticTokens));
  return checks.length === 0 ? OPEN_ACCESS : { checks };
}
