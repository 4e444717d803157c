import { checkRegistrationAccess } from '../auth/index.js';
import { applyPolicy, normalizeClient, validateMetadata, type Metadata } from '../dcr/index.js';
import type { Backend, Call, PipelineDeps } from './context.js';
import { keptState, runOperation } from './operation.js';
import { clientResponse, type ClientResponse } from './respond.js';

/**
 * RFC 7591 registration: authenticate, parseMetadata, applyPolicy, restrict to what the vendor
 * stores, create at the vendor, normalize, issue the gateway RAT. If anything fails after the
 * vendor created the client, the client is deleted again so no orphan is left behind.
 */
export async function register(
  deps: PipelineDeps,
  call: Call,
  body: unknown,
): Promise<ClientResponse> {
  const { route } = call;
  const backend = route.backend;
  checkRegistrationAccess(route.access, call.authorization);
  const metadata = registrableMetadata(backend, body);
  const outcome = await runOperation(backend, 'create', {}, metadata);
  try {
    const client = normalizeClient(outcome.record ?? {}, backend.mapping.extensions);
    const state = keptState(backend, 'create', {}, outcome.vars);
    const token = deps.tokens.issue({
      route: route.id,
      backend: backend.id,
      clientId: client.client_id,
      state,
    });
    return clientResponse(client, route, call.publicBaseUrl, token);
  } catch (error) {
    await compensate(deps, backend, outcome.vars);
    throw error;
  }
}

/**
 * parseMetadata + applyPolicy for one backend, shared by create and update. Members the vendor
 * does not store are not sent (RFC 7591 §2 lets a server ignore them).
 */
export function registrableMetadata(backend: Backend, body: unknown): Metadata {
  const metadata = applyPolicy(validateMetadata(body), backend.capabilities);
  const fields = backend.capabilities.fields;
  if (fields === undefined) return metadata;
  const stored = new Set(fields);
  return Object.fromEntries(
    Object.entries(metadata).filter(([key]) => stored.has(key.split('#')[0]!)),
  );
}

async function compensate(
  deps: PipelineDeps,
  backend: Backend,
  vars: Readonly<Record<string, unknown>>,
): Promise<void> {
  const clientId = typeof vars.client_id === 'string' ? vars.client_id : '(unknown)';
  try {
    await runOperation(backend, 'delete', vars, {});
  } catch (error) {
    deps.onCompensationFailure({ backend: backend.id, clientId, error });
  }
}
