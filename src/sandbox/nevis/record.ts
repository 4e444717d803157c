import { randomBytes } from 'node:crypto';
import {
  CREDENTIAL_CHARACTERS,
  V2_MEMBERS,
  V2_REQUIRED,
  V3_DEFAULTS,
  V3_MEMBERS,
} from './contract.js';
import { checkDefinition, checkTypes, Refusal } from './validate.js';

/** A client definition in V2 names (§4), without the ids and `validFrom` the API adds. */
export type Definition = Record<string, unknown>;

/** §1 "snapshots with validFrom": show answers the latest one valid now. */
export interface Snapshot {
  readonly validFrom: string;
  readonly definition: Definition;
}

export interface StoredClient {
  /** §1 the internal entity id every V2 path takes. */
  readonly entityId: string;
  /** §1 the OAuth client id, what DCR returns. */
  readonly clientId: string;
  /** §3 a confidential client's secret; V2 never shows it [issue 9]. */
  secret: string | undefined;
  readonly issuedAtMs: number;
  snapshots: Snapshot[];
}

/** §3: 32 hex digits, as nevisMeta's generated client ids and entity ids. */
export const hexId = (): string => randomBytes(16).toString('hex');

/** A custom metadata key (§3 "Extra top-level keys"): `name` or `name#locale`. */
const CUSTOM_KEY = /^([A-Za-z_][A-Za-z0-9_.-]*)(?:#([A-Za-z0-9-]+))?$/;

/** What a V3 create asks for, checked, as the definition it stores plus its own members. */
export interface V3Request {
  readonly definition: Definition;
  readonly clientId?: string;
  readonly secret?: string;
  /** The custom metadata keys as sent, echoed in the answer (§3). */
  readonly custom: Readonly<Record<string, string>>;
  readonly validFrom?: string;
}

/**
 * §3: the V3 create body. Typed members bind (MALFORMED_PAYLOAD otherwise); other top-level
 * string keys become custom metadata, anything else cannot bind; then the required members,
 * the caller's own credentials and the shared definition rules.
 */
export function parseV3(
  body: Readonly<Record<string, unknown>>,
  setupScopes: ReadonlySet<string>,
  now: number,
): V3Request {
  checkTypes(body, V3_MEMBERS);
  const custom: Record<string, string> = {};
  const customEntries: { name: string; value: string; locale: string | null }[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (Object.hasOwn(V3_MEMBERS, key)) continue;
    const match = CUSTOM_KEY.exec(key);
    if (typeof value !== 'string' || match === null)
      throw new Refusal('malformed', `${key} cannot be bound`);
    custom[key] = value;
    customEntries.push({ name: match[1]!, value, locale: match[2] ?? null });
  }
  if (body.redirect_uris === undefined)
    throw new Refusal('metadata', 'missing required attribute redirect_uris');
  if (body.client_name === undefined || body.client_name === '')
    throw new Refusal('metadata', 'missing required attribute client_name');
  for (const key of ['client_id', 'client_secret'] as const) {
    const value = body[key];
    if (value !== undefined && !CREDENTIAL_CHARACTERS.test(value as string))
      throw new Refusal('metadata', `invalid ${key}`);
  }
  const validFrom = body.valid_from as string | undefined;
  if (validFrom !== undefined && !(Date.parse(validFrom) >= now))
    throw new Refusal('metadata', 'valid_from in the past');
  const method =
    (body.token_endpoint_auth_method as string | undefined) ??
    V3_DEFAULTS.token_endpoint_auth_method;
  const definition: Definition = {
    name: body.client_name,
    confidentiality_type: method === 'none' ? 'public' : 'confidential',
    grant_types: [...V3_DEFAULTS.grant_types],
    response_types: [...V3_DEFAULTS.response_types],
    scopes: [],
    contacts: [],
    token_endpoint_auth_method: method,
  };
  for (const [key, value] of Object.entries(body)) {
    if (!Object.hasOwn(V3_MEMBERS, key) || OWN_V3.has(key)) continue;
    definition[key] = structuredClone(value);
  }
  if (typeof body.scope === 'string') definition.scopes = body.scope.split(' ').filter(Boolean);
  definition.metadata = [...((body.metadata as unknown[]) ?? []), ...customEntries];
  checkDefinition(definition, setupScopes);
  return {
    definition,
    custom,
    ...(body.client_id === undefined ? {} : { clientId: body.client_id as string }),
    ...(body.client_secret === undefined ? {} : { secret: body.client_secret as string }),
    ...(validFrom === undefined ? {} : { validFrom: new Date(validFrom).toISOString() }),
  };
}

/** V3 members that are no part of the stored definition. */
const OWN_V3: ReadonlySet<string> = new Set([
  'client_id',
  'client_secret',
  'valid_from',
  'scope',
  'metadata',
]);

/**
 * §3 response: the credentials, the issue time in epoch milliseconds, the expiry `"0"` as a
 * string (confidential clients only), and an echo of some metadata; one-element type lists come
 * back as plain strings, as the 7.x docs and 8.2411's public-client example show.
 */
export function v3Answer(client: StoredClient, custom: Readonly<Record<string, string>>): object {
  const definition = client.snapshots.at(-1)!.definition;
  const scalar = (list: unknown) =>
    Array.isArray(list) && list.length === 1 ? (list[0] as unknown) : list;
  return {
    client_id: client.clientId,
    ...(client.secret === undefined
      ? {}
      : { client_secret: client.secret, client_secret_expires_at: '0' }),
    client_id_issued_at: client.issuedAtMs,
    client_name: definition.client_name,
    token_endpoint_auth_method: definition.token_endpoint_auth_method,
    grant_types: scalar(definition.grant_types),
    response_types: scalar(definition.response_types),
    ...custom,
  };
}

/** §1: the snapshot valid at `now`, `undefined` when none is yet. */
export function currentSnapshot(client: StoredClient, now: number): Snapshot | undefined {
  return client.snapshots.findLast((snapshot) => Date.parse(snapshot.validFrom) <= now);
}

/** §4 show: the ids, the definition and its `validFrom`; never the secret. */
export function v2Show(client: StoredClient, snapshot: Snapshot): object {
  return {
    clientId: client.entityId,
    client_id: client.clientId,
    ...structuredClone(snapshot.definition),
    validFrom: snapshot.validFrom,
  };
}

/**
 * §4 edit: the full definition (a replace). Only V2 members; the required ones present; the
 * ids and the confidentiality as stored [S: a changed confidentiality would need a secret V2
 * cannot show]; `none` exactly for a public client; `validFrom` absent or in the future (past
 * ones are MALFORMED_PAYLOAD, §4 setup table); then the shared definition rules.
 */
export function parseV2Edit(
  body: Readonly<Record<string, unknown>>,
  client: StoredClient,
  current: Snapshot,
  setupScopes: ReadonlySet<string>,
  now: number,
): Snapshot {
  for (const key of Object.keys(body))
    if (!Object.hasOwn(V2_MEMBERS, key)) throw new Refusal('malformed', `unknown attribute ${key}`);
  checkTypes(body, V2_MEMBERS);
  for (const key of V2_REQUIRED)
    if (body[key] === undefined) throw new Refusal('malformed', `missing attribute ${key}`);
  if (body.clientId !== undefined && body.clientId !== client.entityId)
    throw new Refusal('malformed', 'clientId does not name this client');
  if (body.client_id !== undefined && body.client_id !== client.clientId)
    throw new Refusal('metadata', 'client_id cannot change');
  if (body.confidentiality_type !== current.definition.confidentiality_type)
    throw new Refusal('metadata', 'confidentiality_type cannot change');
  const method = body.token_endpoint_auth_method ?? V3_DEFAULTS.token_endpoint_auth_method;
  if ((method === 'none') !== (body.confidentiality_type === 'public'))
    throw new Refusal('metadata', 'token_endpoint_auth_method does not fit confidentiality_type');
  let validFrom = new Date(now).toISOString();
  if (body.validFrom !== undefined) {
    const at = Date.parse(body.validFrom as string);
    if (!(at > now)) throw new Refusal('malformed', 'validFrom in the past');
    if (client.snapshots.some((snapshot) => Date.parse(snapshot.validFrom) === at))
      throw new Refusal('malformed', 'duplicate validFrom');
    validFrom = new Date(at).toISOString();
  }
  const definition: Definition = structuredClone({ ...body });
  for (const key of ['clientId', 'client_id', 'validFrom']) delete definition[key];
  checkDefinition(definition, setupScopes);
  return { validFrom, definition };
}
