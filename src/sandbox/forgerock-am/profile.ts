import type { RealmSettings } from './request-rules.js';

/** One client as the simulated AM stores it: the kept request members plus what AM adds. */
export interface StoredClient {
  readonly clientId: string;
  clientSecret: string | undefined;
  registrationAccessToken: string;
  /** Accepted members (§3), `client_name#tag` keys already lower-cased (§4). */
  profile: Record<string, unknown>;
}

/**
 * §4 "Localised names lower-cased": the tag goes through `java.util.Locale(String)` as a
 * language code, which lower-cases it.
 */
export function storedProfile(
  kept: Record<string, unknown>,
  realm: RealmSettings,
): Record<string, unknown> {
  const profile: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(kept)) {
    if (key === 'client_id' || key === 'client_secret') continue;
    profile[key.includes('#') ? key.toLowerCase() : key] = value;
  }
  // §4 "Scopes twice": one set, from either spelling; the realm's defaults when none.
  const scopes = [
    ...((profile.scope as string | undefined)?.split(' ').filter(Boolean) ?? []),
    ...((profile.scopes as string[] | undefined) ?? []),
  ];
  profile.scopes = [...new Set(scopes.length > 0 ? scopes : realm.defaultScopes)];
  delete profile.scope;
  return profile;
}

/** The operation whose response is built: each leaves out different members (§2). */
export type Answer = 'create' | 'read' | 'update';

/**
 * The client as AM answers it (§2 table, §4 example and quirks): every setting with AM's
 * defaults, `""` for unset algorithms, inert encryption defaults, AM-only members, `scope` and
 * `scopes` both, in AM's own order ([S] reversed, standing in for a Java hash set's order).
 */
export function answer(
  client: StoredClient,
  operation: Answer,
  registrationClientUri: string,
): Record<string, unknown> {
  const p = client.profile;
  const method = (p.token_endpoint_auth_method as string | undefined) ?? 'client_secret_basic';
  const scopes = [...(p.scopes as string[])].reverse();
  const encrypted = p.id_token_encrypted_response_alg !== undefined;
  const body: Record<string, unknown> = {
    client_id: client.clientId,
    ...(client.clientSecret !== undefined ? { client_secret: client.clientSecret } : {}),
    client_type: p.client_type ?? 'Confidential',
    application_type: 'web',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: method,
    subject_type: 'public',
    id_token_signed_response_alg: 'RS256',
    userinfo_signed_response_alg: '',
    userinfo_encrypted_response_alg: '',
    userinfo_encrypted_response_enc: '',
    request_object_signing_alg: '',
    request_object_encryption_alg: '',
    authorization_signed_response_alg: 'RS256',
    require_pushed_authorization_requests: false,
    tls_client_certificate_bound_access_tokens: false,
    backchannel_logout_session_required: false,
    // §4 defaults: `x509` unless keys were given.
    public_key_selector:
      p.jwks !== undefined ? 'jwks' : p.jwks_uri !== undefined ? 'jwks_uri' : 'x509',
    default_max_age: 1,
    authorization_code_lifetime: 0,
    access_token_lifetime: 0,
    refresh_token_lifetime: 0,
    jwt_token_lifetime: 0,
    jwks_cache_timeout: 3_600_000,
    jwks_cache_miss_cache_time: 60_000,
    user_info_response_format_selector: 'JSON',
    token_intro_response_format_selector: 'JSON',
    introspection_signed_response_alg: 'RS256',
    introspection_encrypted_response_alg: 'RSA-OAEP-256',
    introspection_encrypted_response_enc: 'A128CBC-HS256',
    ...withoutScopes(p),
    // §4: inert defaults even while encryption is off; one 7.x example spells the enc value
    // with an underscore, which [S] the simulator does in create answers.
    id_token_encryption_enabled: encrypted,
    id_token_encrypted_response_alg: p.id_token_encrypted_response_alg ?? 'RSA-OAEP-256',
    id_token_encrypted_response_enc: spellEnc(
      (p.id_token_encrypted_response_enc as string | undefined) ?? 'A128CBC-HS256',
      operation,
    ),
    default_max_age_enabled: p.default_max_age !== undefined,
    scope: scopes.join(' '),
    scopes,
  };
  // §2: read has neither RAT nor URI; update has the new RAT but no URI and no secret expiry.
  if (operation !== 'read') body.registration_access_token = client.registrationAccessToken;
  if (operation === 'create') body.registration_client_uri = registrationClientUri;
  if (operation !== 'update' && client.clientSecret !== undefined)
    body.client_secret_expires_at = 0;
  return body;
}

function withoutScopes(profile: Record<string, unknown>): Record<string, unknown> {
  const rest = { ...profile };
  delete rest.scopes;
  return rest;
}

const UNDERSCORED: Readonly<Record<string, string>> = {
  'A128CBC-HS256': 'A128CBC_HS256',
  'A192CBC-HS384': 'A192CBC_HS384',
  'A256CBC-HS512': 'A256CBC_HS512',
};

function spellEnc(value: string, operation: Answer): string {
  return operation === 'create' ? (UNDERSCORED[value] ?? value) : value;
}
