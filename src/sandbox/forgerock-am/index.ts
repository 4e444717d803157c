import { randomBytes } from 'node:crypto';
import { REGISTRATION_SCOPE, type RealmSettings } from './request-rules.js';
import { startForgeRockAm, type ForgeRockAm, type ForgeRockAmOptions } from './server.js';

export { startForgeRockAm, type ForgeRockAm, type ForgeRockAmOptions } from './server.js';
export { AmError, AUTH_METHODS, checkRegistration, REGISTRATION_SCOPE } from './request-rules.js';

/** The realm the sandbox registers in (a sub-realm, as on Identity Cloud's `alpha`). */
export const SANDBOX_REALM = '/realms/root/realms/alpha';

/**
 * The sandbox realm's provider settings: the scope allowlist and defaults of a fresh AM
 * provider (§4), and the grant types of its default "Grant Types" list that the gateway maps.
 */
export const SANDBOX_REALM_SETTINGS: RealmSettings = Object.freeze({
  grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
  scopeAllowlist: ['openid', 'profile', 'email', 'address', 'phone'],
  defaultScopes: ['address', 'phone', 'openid', 'profile', 'email'],
});

export interface SandboxForgeRockAm extends ForgeRockAm {
  /** What a backend section sets: its `parameters` and `admin` credentials. */
  readonly realmPath: string;
  readonly service: { readonly clientId: string; readonly clientSecret: string };
  /** The realms' one Software Publisher agent: statements it signs (HS256) are accepted. */
  readonly publisher: { readonly issuer: string; readonly secret: string };
  /** What the sandbox realm registers, for the backend's capabilities. */
  readonly capabilities: {
    readonly grant_types: string[];
    readonly scopes: string[];
  };
}

/**
 * The simulated AM of the sandbox: the root realm and `alpha` below it, both in access-token
 * mode (the default, §1), with one registration service client holding the registration scope.
 */
export async function startSandboxForgeRockAm(
  options: Partial<Pick<ForgeRockAmOptions, 'mint' | 'port' | 'tokenLifetimeSeconds'>> = {},
): Promise<SandboxForgeRockAm> {
  const service = {
    clientId: 'registration-service',
    clientSecret: randomBytes(24).toString('base64url'),
  };
  const publisher = {
    issuer: 'https://publisher.sandbox.example',
    secret: randomBytes(32).toString('base64url'),
  };
  const realm = {
    ...SANDBOX_REALM_SETTINGS,
    open: false,
    publishers: { [publisher.issuer]: publisher.secret },
  };
  const am = await startForgeRockAm({
    ...options,
    realms: { '/realms/root': realm, [SANDBOX_REALM]: realm },
    service: { ...service, scopes: [REGISTRATION_SCOPE, 'openid'] },
  });
  return {
    ...am,
    realmPath: SANDBOX_REALM,
    service,
    publisher,
    capabilities: {
      grant_types: [...SANDBOX_REALM_SETTINGS.grantTypes],
      scopes: [...SANDBOX_REALM_SETTINGS.scopeAllowlist],
    },
  };
}
