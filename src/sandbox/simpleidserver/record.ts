import { randomUUID } from 'node:crypto';
import { DEFAULTS, JWE_PAIRS } from './contract.js';
import type { ParsedRequest } from './parse.js';

/** One client as the simulator stores it. */
export interface StoredClient {
  readonly clientId: string;
  readonly clientSecret: string;
  /** §1: created once at registration, never rotated. */
  readonly registrationAccessToken: string;
  readonly createdAt: Date;
  updatedAt: Date;
  /** Bound properties with the §3 defaults applied, scope already filtered. */
  values: Record<string, unknown>;
  translations: readonly (readonly [string, string])[];
}

export interface RecordOptions {
  /** §3: scopes the realm has; others are dropped silently, the rest kept in realm order. */
  readonly realmScopes: readonly string[];
  /** §3 host option `ClientSecretExpirationInSeconds`: absent by default. */
  readonly clientSecretLifetimeSeconds?: number;
}

/**
 * §3: what a create or update stores. Absent members take the defaults table, on update too
 * (an omitted field resets); unknown scopes are dropped.
 */
export function storedValues(
  request: ParsedRequest,
  options: RecordOptions,
): Record<string, unknown> {
  const values: Record<string, unknown> = { ...request.bound };
  delete values.software_statement; // §3: stored nowhere
  values.grant_types ??= DEFAULTS.grant_types;
  // §3 (and the seed): ["code"] even for a client without a redirect-based grant [I: [] too].
  if (values.response_types === undefined || (values.response_types as string[]).length === 0)
    values.response_types = DEFAULTS.response_types;
  values.token_endpoint_auth_method ??= DEFAULTS.token_endpoint_auth_method;
  values.application_type ??= DEFAULTS.application_type;
  values.subject_type ??= DEFAULTS.subject_type;
  values.id_token_signed_response_alg ??= DEFAULTS.id_token_signed_response_alg;
  values.authorization_signed_response_alg ??= DEFAULTS.authorization_signed_response_alg;
  values.token_signed_response_alg ??= DEFAULTS.token_signed_response_alg;
  values.token_encrypted_response_alg ??= DEFAULTS.token_encrypted_response_alg;
  values.token_encrypted_response_enc ??= DEFAULTS.token_encrypted_response_enc;
  for (const [alg, enc] of JWE_PAIRS)
    if (values[alg] !== undefined) values[enc] ??= DEFAULTS.encryption_enc;
  const requested = new Set(
    typeof values.scope === 'string' ? values.scope.split(' ').filter(Boolean) : [],
  );
  values.scope = options.realmScopes.filter((scope) => requested.has(scope)).join(' ');
  return values;
}

export function newClient(request: ParsedRequest, options: RecordOptions): StoredClient {
  const now = new Date();
  return {
    clientId: randomUUID(),
    clientSecret: randomUUID(),
    registrationAccessToken: randomUUID(),
    createdAt: now,
    updatedAt: now,
    values: storedValues(request, options),
    translations: request.translations,
  };
}

/** Members the serializer writes only when they have a value (§4 "Null-valued optionals"). */
const OPTIONAL = [
  'id_token_encrypted_response_alg',
  'id_token_encrypted_response_enc',
  'userinfo_signed_response_alg',
  'userinfo_encrypted_response_alg',
  'userinfo_encrypted_response_enc',
  'request_object_signing_alg',
  'request_object_encryption_alg',
  'request_object_encryption_enc',
  'authorization_encrypted_response_alg',
  'authorization_encrypted_response_enc',
  'jwks_uri',
  'sector_identifier_uri',
  'initiate_login_uri',
  'default_max_age',
  'frontchannel_logout_uri',
  'backchannel_logout_uri',
  'backchannel_token_delivery_mode',
  'backchannel_client_notification_endpoint',
  'backchannel_authentication_request_signing_alg',
  'credential_offer_endpoint',
  'dpop_bound_access_tokens',
];

/**
 * §4: the client JSON of create, GET and PUT alike, in the seed's member order: the secret and
 * the RAT every time, SimpleIdServer's own members, ISO dates, the singular
 * `tls_client_certificate_bound_access_token`, `client_secret_expires_at` only when the host
 * sets a lifetime (then an ISO date), and a `registration_client_uri` without `/register` and
 * the realm.
 */
export function clientJson(
  client: StoredClient,
  origin: string,
  options: RecordOptions,
): Record<string, unknown> {
  const v = client.values;
  const json: Record<string, unknown> = {
    client_id: client.clientId,
    client_secret: client.clientSecret,
    registration_access_token: client.registrationAccessToken,
    grant_types: v.grant_types,
    redirect_uris: v.redirect_uris ?? [],
    token_endpoint_auth_method: v.token_endpoint_auth_method,
    response_types: v.response_types,
    contacts: [],
    update_datetime: client.updatedAt.toISOString(),
    create_datetime: client.createdAt.toISOString(),
    client_id_issued_at: Math.floor(client.createdAt.getTime() / 1000),
  };
  if (options.clientSecretLifetimeSeconds !== undefined)
    json.client_secret_expires_at = new Date(
      client.createdAt.getTime() + options.clientSecretLifetimeSeconds * 1000,
    ).toISOString();
  Object.assign(json, {
    token_expiration_time_seconds: DEFAULTS.token_expiration_time_seconds,
    refresh_token_expiration_time_seconds: DEFAULTS.refresh_token_expiration_time_seconds,
    scope: v.scope,
    jwks: { keys: [] },
    token_signed_response_alg: v.token_signed_response_alg,
    token_encrypted_response_alg: v.token_encrypted_response_alg,
    token_encrypted_response_enc: v.token_encrypted_response_enc,
    post_logout_redirect_uris: v.post_logout_redirect_uris ?? [],
    preferred_token_profile: DEFAULTS.preferred_token_profile,
    subject_type: v.subject_type,
    id_token_signed_response_alg: v.id_token_signed_response_alg,
    backchannel_user_code_parameter: v.backchannel_user_code_parameter ?? false,
    frontchannel_logout_session_required: v.frontchannel_logout_session_required ?? false,
    backchannel_logout_session_required: v.backchannel_logout_session_required ?? false,
    tls_client_certificate_bound_access_token: false,
    application_type: v.application_type,
    require_auth_time: v.require_auth_time ?? false,
    authorization_signed_response_alg: v.authorization_signed_response_alg,
    authorization_data_types: v.authorization_data_types ?? [],
    is_consent_disabled: false,
    default_acr_values: v.default_acr_values ?? [],
  });
  for (const key of OPTIONAL) if (v[key] !== undefined) json[key] = v[key];
  for (const [key, value] of client.translations) json[key] = value;
  json.registration_client_uri = `${origin}/${client.clientId}`;
  return json;
}
