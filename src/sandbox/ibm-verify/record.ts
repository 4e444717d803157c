import { randomBytes, randomUUID } from 'node:crypto';
import { DEFAULT_ID_TOKEN_CLAIMS, REQUEST_ONLY, STORED_DEFAULTS } from './contract.js';

/** One dynamic client as the simulator stores it. */
export interface StoredClient {
  readonly clientId: string;
  readonly clientSecret: string;
  /** §4: handed out on create; accepted on `/oauth2/register/{id}` besides the admin token [S]. */
  readonly registrationAccessToken: string;
  readonly issuedAt: number;
  /** `ClientMetadata` (§3 rows 1–47) with the stored defaults. */
  metadata: Record<string, unknown>;
  idTokenClaims: readonly string[];
  tokenClaims: readonly string[];
}

/**
 * What a create or a PUT stores: the request's `ClientMetadata` over the defaults. A PUT
 * replaces every field, so one it leaves out goes back to its default (§6 [S]: full
 * replacement; id, secret, issue time and RAT stay).
 */
export function storedMetadata(body: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const metadata: Record<string, unknown> = structuredClone({ ...STORED_DEFAULTS });
  for (const [key, value] of Object.entries(body))
    if (!REQUEST_ONLY.has(key)) metadata[key] = structuredClone(value);
  return metadata;
}

export function newClient(body: Readonly<Record<string, unknown>>): StoredClient {
  return {
    clientId: typeof body.client_id === 'string' ? body.client_id : randomUUID(),
    clientSecret:
      typeof body.client_secret === 'string'
        ? body.client_secret
        : randomBytes(24).toString('base64url'),
    registrationAccessToken: randomBytes(24).toString('base64url'),
    issuedAt: Math.floor(Date.now() / 1000),
    ...claimsOf(body),
    metadata: storedMetadata(body),
  };
}

/** §3 rows 50–51: the claim lists; absent ones take the profile's defaults (§1). */
export function claimsOf(body: Readonly<Record<string, unknown>>): {
  idTokenClaims: readonly string[];
  tokenClaims: readonly string[];
} {
  return {
    idTokenClaims: (body.id_token_claims as string[] | undefined) ?? DEFAULT_ID_TOKEN_CLAIMS,
    tokenClaims: (body.token_claims as string[] | undefined) ?? [],
  };
}

/** Attribute ids for claim names, stable per name, as the response's maps carry them (§4). */
const attributeId = (name: string) =>
  String([...name].reduce((sum, char) => (sum * 31 + char.charCodeAt(0)) % 9973, 7));

/**
 * §4 `DynamicClientResponse_0`: every stored `ClientMetadata` field, the server-issued members
 * with string-typed times (the OpenAPI's types, §6 [S]), IBM's RAT and URI, and the claims as
 * `id_token_map` / `token_map` objects.
 */
export function clientJson(client: StoredClient, origin: string): Record<string, unknown> {
  const map = (names: readonly string[]) =>
    names.map((name) => ({ name, attribute_id: attributeId(name) }));
  return {
    client_id: client.clientId,
    client_secret: client.clientSecret,
    client_id_issued_at: String(client.issuedAt),
    client_secret_expires_at: '0',
    registration_access_token: client.registrationAccessToken,
    registration_client_uri: `${origin}/oauth2/register/${encodeURIComponent(client.clientId)}`,
    ...structuredClone(client.metadata),
    id_token_map: map(client.idTokenClaims),
    token_map: map(client.tokenClaims),
  };
}
