import { insufficientScope } from '../errors/index.js';
import type { InboundCheck } from './admission.js';

/** Client metadata members only callers with a scope may set: member name → scope. */
export type FieldScopes = Readonly<Record<string, string>>;

/** `logo_uri#fr` is gated as `logo_uri` (RFC 7591 §2.2). */
const baseName = (member: string): string => {
  const tag = member.indexOf('#');
  return tag === -1 ? member : member.slice(0, tag);
};

/**
 * The gated members `metadata` sets, each with the scope it needs, in the body's order.
 * Anything not an object sets nothing (the metadata parser refuses it later).
 */
export function gatedMembers(scopes: FieldScopes, metadata: unknown): GatedMember[] {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) return [];
  const gated: GatedMember[] = [];
  for (const member of Object.keys(metadata)) {
    const field = baseName(member);
    if (Object.hasOwn(scopes, field)) gated.push({ member, field, scope: scopes[field]! });
  }
  return gated;
}

interface GatedMember {
  /** As the metadata names it (`logo_uri#fr`). */
  readonly member: string;
  /** As the route's gates name it (`logo_uri`). */
  readonly field: string;
  readonly scope: string;
}

/**
 * Field gates on registration (as ForgeRock AM gates `logo_uri`, `client_uri` and `policy_uri`
 * behind its registration scope): a gated member set, in the body or in a verified software
 * statement's claims, needs its scope among those the initial access token grants. Without it,
 * 403 `insufficient_scope` naming the member and, in the challenge, the scope (RFC 6750 §3.1).
 */
export function fieldGates(scopes: FieldScopes): InboundCheck {
  return async (_request, admission) => {
    const granted = new Set(admission.principal.scopes);
    for (const source of [admission.body, admission.statement?.claims])
      for (const { field, scope } of gatedMembers(scopes, source))
        if (!granted.has(scope)) throw gateRefusal(field, scope);
    return admission;
  };
}

/**
 * Field gates on an RFC 7592 update, whose caller holds a registration access token and no
 * scopes: a gated member may be sent back as registered, never changed or added.
 */
export function checkUnchangedGatedFields(
  scopes: FieldScopes,
  metadata: Readonly<Record<string, unknown>>,
  registered: Readonly<Record<string, unknown>>,
): void {
  for (const { member, field, scope } of gatedMembers(scopes, metadata))
    if (JSON.stringify(metadata[member]) !== JSON.stringify(registered[member]))
      throw gateRefusal(field, scope);
}

/** Named by the route's field, never by the caller's spelling of it. */
const gateRefusal = (field: string, scope: string) =>
  insufficientScope(scope, `${field} needs the scope ${scope}, which the request was not granted`);
