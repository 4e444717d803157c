import type { RegistrationGrant } from '../auth/index.js';
import {
  applyPolicy,
  fetchedUrls,
  normalizeClient,
  readSoftwareStatement,
  validateMetadata,
  type ClientInformation,
  type Metadata,
} from '../dcr/index.js';
import { invalidMetadata } from '../errors/index.js';
import type { Backend, PipelineDeps, Route } from './context.js';
import { copyOf, mergeInto } from '../lib/objects.js';

/**
 * The named steps the use cases are made of, each small enough to test alone. Only the order
 * lives in `register.ts` and `manage.ts`.
 */

/** Inbound authentication of a registration request: the route's checks, in order. */
export { admit } from '../auth/index.js';

/** RFC 7591 §2 members, checked and typed; anything else in the body is dropped. */
export const parseMetadata = (body: unknown): Metadata => validateMetadata(body);

/** Defaults, substitutions and refusals for what this backend can register, before any vendor call. */
export const applyRoutePolicy = (
  route: Pick<Route, 'registration'>,
  backend: Backend,
  metadata: Metadata,
): Metadata => applyPolicy(metadata, backend.capabilities, route.registration);

/**
 * The route's outbound-URL policy over every member the IdP may fetch, after the policy (so it
 * sees what will be registered) and before any vendor call: the IdP must never be handed a URL
 * that points at this machine or a network behind it.
 */
export async function checkOutboundUrls(
  route: Pick<Route, 'outbound'>,
  metadata: Metadata,
): Promise<Metadata> {
  const verdict = await route.outbound.checkAll(fetchedUrls(metadata));
  if (!verdict.ok) throw invalidMetadata(verdict.field, verdict.reason);
  return metadata;
}

/** The vendor's record as the strict response every client library accepts. */
export const normalize = (backend: Backend, record: Record<string, unknown>): ClientInformation =>
  normalizeClient(record, backend.adapter.mapping.extensions);

export const issueToken = (deps: PipelineDeps, grant: RegistrationGrant): string =>
  deps.tokens.issue(grant);

/** The body's software statement where the route passes them on (checked for shape), else none. */
export const softwareStatement = (
  route: Pick<Route, 'softwareStatements'>,
  body: unknown,
): string | undefined =>
  route.softwareStatements === 'pass_through' ? readSoftwareStatement(body) : undefined;

/** The statement sent to the IdP: only where the route passes statements on (its mapping sends them). */
export const passedOn = (
  route: Pick<Route, 'softwareStatements'>,
  statement: string | undefined,
): string | undefined => (route.softwareStatements === 'pass_through' ? statement : undefined);

/** Metadata, or an answer, with the statement beside it as received (RFC 7591 §3.2.1). */
export const withStatement = <T extends Metadata>(value: T, statement: string | undefined): T =>
  statement === undefined ? value : mergeInto(copyOf(value), { software_statement: statement });
