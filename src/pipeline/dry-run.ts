import {
  createAdapter,
  type CompiledMapping,
  type DryRun,
  type OperationName,
  type VendorRequest,
} from '../mapping/index.js';
import type { OutboundPolicy } from '../lib/outbound-url.js';
import type { Backend, Call } from './context.js';
import { applyRoutePolicy, checkOutboundUrls, parseMetadata } from './steps.js';

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
    requests: run.requests.map((request) => maskRequest(request, run.secrets)),
    ...(run.stopped === undefined ? {} : { stopped: run.stopped }),
  };
}

/** Members and headers holding credentials, in any spelling: client_secret, clientSecret, x-api-key. */
const SECRET_NAME = /(secret|password|token|credentials?|apikey|authorization)$/i;
export const MASK = '***';

/** A vendor request fit to show an operator: admin credential named, secrets replaced. */
export function maskRequest(
  request: VendorRequest,
  secrets: readonly string[] = [],
): Record<string, unknown> {
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
    ...(request.query === undefined ? {} : { query: maskValues(request.query, secrets) }),
    ...(request.headers === undefined ? {} : { headers: maskValues(request.headers, secrets) }),
    authorization: auth,
    ...(request.body === undefined ? {} : { body: maskValues(request.body, secrets) }),
  };
}

function maskValues(value: unknown, secrets: readonly string[], name = ''): unknown {
  // Credentials are strings; flags such as refreshToken: 1 are not.
  if (typeof value === 'string')
    return SECRET_NAME.test(name.replace(/[-_]/g, '')) ||
      secrets.some((secret) => value.includes(secret))
      ? MASK
      : value;
  if (Array.isArray(value)) return value.map((item) => maskValues(item, secrets, name));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, maskValues(item, secrets, key)]),
    );
  return value;
}

/** What `dcr-gateway dry-run` is given: a mapping, its parameters, an operation and its input. */
export interface OfflineDryRun {
  readonly mapping: CompiledMapping;
  readonly params: Readonly<Record<string, string>>;
  readonly operation: OperationName;
  /** The request body, for create and update: validated and put through the policy first. */
  readonly body?: unknown;
  /** The outbound-URL policy the body's fetched URLs go through (a route's default one). */
  readonly outbound: OutboundPolicy;
  readonly clientId?: string;
  readonly state?: Readonly<Record<string, unknown>>;
}

/**
 * The vendor requests a backend using `mapping` would be sent, offline: the body goes through
 * the same validation and policy as on a route (in its default substitute mode, with the
 * mapping's capabilities, and `outbound` for the URLs the IdP would fetch), and nothing is sent
 * to a vendor.
 */
export async function dryRunOffline(input: OfflineDryRun): Promise<DryRunAnswer> {
  const backend: Backend = {
    id: input.mapping.id,
    capabilities: input.mapping.capabilities,
    adapter: createAdapter(input.mapping, {
      params: input.params,
      send: () => Promise.reject(new Error('a dry run sends nothing')),
    }),
  };
  const route = { registration: 'substitute', outbound: input.outbound } as const;
  const metadata =
    input.operation === 'create' || input.operation === 'update'
      ? await checkOutboundUrls(route, applyRoutePolicy(route, backend, parseMetadata(input.body)))
      : undefined;
  const run = await backend.adapter.dryRun(input.operation, {
    ...(metadata === undefined ? {} : { metadata }),
    ...(input.clientId === undefined ? {} : { clientId: input.clientId }),
    ...(input.state === undefined ? {} : { state: input.state }),
  });
  return dryRunAnswer(backend, run);
}
