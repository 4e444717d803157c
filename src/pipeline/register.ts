import type { Admission } from '../auth/index.js';
import type { Call, PipelineDeps } from './context.js';
import { clientResponse, type ClientResponse } from './respond.js';
import { dryRunAnswer, wantsDryRun, type DryRunAnswer } from './dry-run.js';
import {
  applyRoutePolicy,
  checkOutboundUrls,
  issueToken,
  normalize,
  parseMetadata,
  passedOn,
  softwareStatement,
  withStatement,
} from './steps.js';

export interface Registered {
  /** 201 with the client, or 200 with the vendor requests of a dry run. */
  readonly status: 200 | 201;
  readonly body: ClientResponse | DryRunAnswer;
  /** The stored answer of an earlier request with the same idempotency key (or metadata). */
  readonly replayed?: true;
}

/**
 * RFC 7591 registration of an admitted request (inbound authentication ran before, in the
 * HTTP layer, so rate limits can key on its principal): parseMetadata → applyPolicy →
 * checkOutboundUrls → adapter.create (or a dry run) → normalize → issueToken → respond. The
 * last three run inside the adapter's create, so a failure in any of them removes the vendor's
 * client again.
 */
export async function register(
  deps: PipelineDeps,
  call: Call,
  admission: Admission,
): Promise<Registered> {
  const { route } = call;
  const backend = route.backend;
  if (call.audit) call.audit.backend = backend.id;
  const checked = applyRoutePolicy(route, backend, parseMetadata(admission.body));
  // A statement the gateway verified is echoed whatever the route passes on (RFC 7591 §3.2.1).
  const statement = admission.statement?.raw ?? softwareStatement(route, admission.body);
  const metadata = withStatement(
    await checkOutboundUrls(route, checked),
    passedOn(route, statement),
  );
  if (wantsDryRun(call)) {
    const run = await backend.adapter.dryRun('create', { metadata });
    return { status: 200, body: dryRunAnswer(backend, run) };
  }
  const client = await backend.adapter.create(
    metadata,
    ({ record, state }) => {
      const normalized = normalize(backend, record);
      if (call.audit) call.audit.clientId = normalized.client_id;
      const token = issueToken(deps, {
        route: route.id,
        backend: backend.id,
        clientId: normalized.client_id,
        state,
      });
      return clientResponse(withStatement(normalized, statement), route, call.publicBaseUrl, token);
    },
    call,
  );
  return { status: 201, body: client };
}
