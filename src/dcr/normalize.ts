import { badVendorResponse } from '../errors/index.js';
import type { FieldKind, FieldSpec, Metadata, MetadataValue } from './metadata.js';
import { fillDefaults } from './policy.js';
import { checkMember, specOf } from './validate.js';

/** A client as the gateway returns it, before the gateway's RAT and URI are added. */
export interface ClientInformation extends Metadata {
  client_id: string;
}

/**
 * Turns what a backend reports (already renamed to standard names by its mapping) into the
 * strict response every client library accepts (checklist §2.6): standard members and the
 * mapping's declared extensions only; numbers as numbers; no null and no ""; `scope` a string;
 * RFC defaults filled in; no secret for a public client; `client_secret_expires_at` present
 * exactly when a secret is.
 * Tolerant of vendor quirks: a member that cannot be read is dropped, not fatal; only a
 * missing `client_id` is.
 */
export function normalizeClient(
  record: Readonly<Record<string, unknown>>,
  extensions: ReadonlySet<string>,
): ClientInformation {
  const clientId = record.client_id;
  if (typeof clientId !== 'string' || !PRINTABLE_ASCII.test(clientId)) {
    throw badVendorResponse('client_id missing or not printable ASCII');
  }
  const metadata: Metadata = {};
  for (const [key, raw] of Object.entries(record)) {
    if (raw === null || raw === undefined || raw === '') continue;
    const spec = specOf(key);
    if (spec !== undefined) {
      const value = readLeniently(spec, key, raw);
      if (value !== undefined) metadata[key] = value;
    } else if (extensions.has(key)) {
      metadata[key] = raw as MetadataValue;
    }
  }
  const registered = fillDefaults(metadata);
  const secret =
    typeof record.client_secret === 'string' &&
    record.client_secret !== '' &&
    needsSecret(registered)
      ? record.client_secret
      : undefined;
  const issuedAt = toEpochSeconds(record.client_id_issued_at);
  // One literal per head shape, the metadata spread last: merged onto a head that already had
  // members, a client this wide went to V8's dictionary mode, and copying and serializing it
  // after cost ~6 µs more a create (lib/objects.ts; README, Performance).
  if (secret === undefined)
    return issuedAt === undefined
      ? { client_id: clientId, ...registered }
      : { client_id: clientId, client_id_issued_at: issuedAt, ...registered };
  const expiresAt = toEpochSeconds(record.client_secret_expires_at) ?? 0;
  if (issuedAt === undefined)
    return {
      client_id: clientId,
      client_secret: secret,
      client_secret_expires_at: expiresAt,
      ...registered,
    };
  return {
    client_id: clientId,
    client_secret: secret,
    client_id_issued_at: issuedAt,
    client_secret_expires_at: expiresAt,
    ...registered,
  };
}

/**
 * RFC 7591 §2: a `none` client is public, so a secret some vendors issue anyway is withheld,
 * unless an HMAC or symmetric JWE algorithm registered for the client is keyed with it (as
 * oidc-provider's `needsSecret` decides).
 */
function needsSecret(metadata: Metadata): boolean {
  if (metadata.token_endpoint_auth_method !== 'none') return true;
  return Object.entries(metadata).some(([key, value]) => {
    const kind = specOf(key)?.kind;
    if (kind === 'jws_alg') return (value as string).startsWith('HS');
    return kind === 'jwe_alg' && SYMMETRIC_JWE_ALGS.test(value as string);
  });
}

const SYMMETRIC_JWE_ALGS = /^(dir|A\d{3}(GCM)?KW|PBES2-.*)$/;

const LIST_KINDS: ReadonlySet<FieldKind> = new Set([
  'string_list',
  'uri_list',
  'redirect_uri_list',
  'email_list',
]);

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/** Coerces the usual vendor spellings (arrays for scope, strings for booleans and numbers). */
function readLeniently(spec: FieldSpec, key: string, raw: unknown): MetadataValue | undefined {
  let value = raw;
  if (key === 'scope' && Array.isArray(raw)) value = raw.join(' ');
  else if (spec.kind === 'boolean' && (raw === 'true' || raw === 'false')) value = raw === 'true';
  else if (spec.kind === 'non_negative_integer' && typeof raw === 'string') value = Number(raw);
  else if (LIST_KINDS.has(spec.kind) && typeof raw === 'string') value = [raw];
  try {
    return checkMember(spec, key, value);
  } catch {
    return undefined;
  }
}

/** Epoch seconds as a non-negative integer, from a number, a numeric string or an ISO 8601 date. */
function toEpochSeconds(raw: unknown): number | undefined {
  let value = raw;
  if (typeof raw === 'string' && raw.trim() !== '') {
    value = /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : Date.parse(raw) / 1000;
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return undefined;
  return Math.floor(value);
}
