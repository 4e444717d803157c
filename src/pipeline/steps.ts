import { authenticate as admit, type Principal, type RegistrationGrant } from '../auth/index.js';
import {
  applyPolicy,
  normalizeClient,
  validateMetadata,
  type ClientInformation,
  type Metadata,
} from '../dcr/index.js';
import type { DryRun, VendorRequest } from '../mapping/index.js';
import type { Backend, Call, PipelineDeps, Route } from './context.js';

/**
 * The named steps the use cases are made of, each small enough to test alone. Only the order
 * lives in `register.ts` and `manage.ts`.
 */

/** Who is registering: the route's inbound authentication. */
export function authenticate(call: Call): Promise<Principal> {
  return admit(call.route.access, call.authorization);
}

/** RFC 7591 §2 members, checked and typed; anything else in the body is dropped. */
export const parseMetadata = (body: unknown): Metadata => validateMetadata(body);

/** Defaults, substitutions and refusals for what this backend can register, before any vendor call. */
export const applyRoutePolicy = (route: Route, backend: Backend, metadata: Metadata): Metadata =>
  applyPolicy(metadata, backend.capabilities, route.registration);

/** The vendor's record as the strict response every client library accepts. */
export const normalize = (backend: Backend, record: Record<string, unknown>): ClientInformation =>
  normalizeClient(record, backend.adapter.mapping.extensions);

export const issueToken = (deps: PipelineDeps, grant: RegistrationGrant): string =>
  deps.tokens.issue(grant);

/** The route allows dry runs and the caller asked for one. */
export const wantsDryRun = (call: Call): boolean => call.route.dryRun && call.dryRun === true;

/** What a dry run answers: the vendor requests, with every credential masked. */
export interface DryRunAnswer {
  readonly dry_run: true;
  readonly backend: string;
  readonly requests: readonly Record<string, unknown>[];
  readonly stopped?: string;
}

export function dryRunAnswer(backend: Backend, run: DryRun): DryRunAnswer {
  return {
    dry_run: true,
    backend: backend.id,
    requests: run.requests.map(maskRequest),
    ...(run.stopped === undefined ? {} : { stopped: run.stopped }),
  };
}

const SECRET_NAME = /secret|password|token|credential|private|^d$|^p$|^q$|^dp$|^dq$|^qi$/i;
export const MASK = '***';

/** A vendor request fit to show an operator: admin credential named, secrets replaced. */
export function maskRequest(request: VendorRequest): Record<string, unknown> {
  const auth =
    typeof request.auth === 'object'
      ? `Bearer ${MASK}`
      : request.auth === 'admin'
        ? 'admin credential'
        : 'none';
  return {
    call: request.call,
    method: request.method,
    ...(request.path === undefined ? {} : { path: request.path }),
    ...(request.url === undefined ? {} : { url: request.url }),
    ...(request.query === undefined ? {} : { query: maskValues(request.query) }),
    ...(request.headers === undefined ? {} : { headers: maskValues(request.headers) }),
    authorization: auth,
    ...(request.body === undefined ? {} : { body: maskValues(request.body) }),
  };
}

function maskValues(value: unknown, name = ''): unknown {
  if (SECRET_NAME.test(name) && value !== undefined && value !== null && typeof value !== 'object')
    return MASK;
  if (Array.isArray(value)) return value.map((item) => maskValues(item, name));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, maskValues(item, key)]),
    );
  return value;
}
