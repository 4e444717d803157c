import { timingSafeEqual } from 'node:crypto';
import { bearerToken, grantDigest, type RegistrationGrant } from '../auth/index.js';
import { readKey } from '../cache/index.js';
import { checkUpdateBody, normalizeClient, type ClientInformation } from '../dcr/index.js';
import { invalidRequest, invalidToken } from '../errors/index.js';
import type { OperationName } from '../mapping/index.js';
import type { Backend, Call, PipelineDeps } from './context.js';
import { keptState, runOperation } from './operation.js';
import { registrableMetadata } from './register.js';
import { clientResponse, type ClientResponse } from './respond.js';

interface Managed {
  readonly grant: RegistrationGrant;
  readonly token: string;
  readonly backend: Backend;
}

/**
 * RFC 7592 §2: the RAT must be ours, unexpired, issued through this route and for the client in
 * the URL; anything else is the same 401, whichever check failed.
 */
async function authorize(deps: PipelineDeps, call: Call, clientId: string): Promise<Managed> {
  const token = bearerToken(call.authorization);
  const grant = deps.tokens.open(token);
  if (grant.route !== call.route.id)
    throw invalidToken('registration token issued for another route');
  if (grant.clientId !== clientId)
    throw invalidToken('registration token issued for another client');
  const backend = deps.backends.get(grant.backend);
  if (backend === undefined)
    throw invalidToken(`registration token names unconfigured backend ${grant.backend}`);
  return { grant, token, backend };
}

const varsOf = (grant: RegistrationGrant) => ({ ...grant.state, client_id: grant.clientId });

interface Current {
  readonly client: ClientInformation;
  readonly managed: Managed;
}

/** The client as the vendor holds it now, from the cache when this very grant cached it. */
async function current(deps: PipelineDeps, managed: Managed): Promise<Current> {
  if (deps.readCacheTtlSeconds === 0) return callVendor(deps, managed, 'read', {});
  const { grant, backend } = managed;
  const key = readKey(backend.id, backend.mapping.hash, grant.clientId);
  const cached = (await deps.cache.get(key)) as
    { digest?: string; client?: ClientInformation } | undefined;
  if (cached?.digest === grantDigest(grant) && cached.client !== undefined)
    return { client: cached.client, managed };
  const { client, managed: next } = await callVendor(deps, managed, 'read', {});
  await deps.cache.set(key, { digest: grantDigest(next.grant), client }, deps.readCacheTtlSeconds);
  return { client, managed: next };
}

/** Runs an operation and follows vendor RAT rotation with a new gateway RAT. */
async function callVendor(
  deps: PipelineDeps,
  managed: Managed,
  name: OperationName,
  metadata: Record<string, unknown>,
): Promise<Current> {
  const { grant, backend } = managed;
  const outcome = await runOperation(backend, name, varsOf(grant), metadata);
  const client = normalizeClient(outcome.record ?? {}, backend.mapping.extensions);
  const state = keptState(backend, name, grant.state, outcome.vars);
  if (Object.keys(state).every((key) => state[key] === grant.state[key]))
    return { client, managed };
  const rotated = { ...grant, state };
  return { client, managed: { grant: rotated, backend, token: deps.tokens.issue(rotated) } };
}

function respond(call: Call, { client, managed }: Current): ClientResponse {
  return clientResponse(client, call.route, call.publicBaseUrl, managed.token);
}

/** RFC 7592 §2.1 read. */
export async function read(
  deps: PipelineDeps,
  call: Call,
  clientId: string,
): Promise<ClientResponse> {
  return respond(call, await current(deps, await authorize(deps, call, clientId)));
}

/**
 * RFC 7592 §2.2 update: the body replaces the whole record, so it goes through the same
 * validation and policy as a registration. A `client_secret` in it must equal the current one.
 */
export async function update(
  deps: PipelineDeps,
  call: Call,
  clientId: string,
  body: unknown,
): Promise<ClientResponse> {
  let managed = await authorize(deps, call, clientId);
  const { clientSecret } = checkUpdateBody(body, clientId);
  const metadata = registrableMetadata(managed.backend, body);
  if (clientSecret !== undefined) {
    const now = await current(deps, managed);
    if (!sameSecret(clientSecret, now.client.client_secret)) {
      throw invalidRequest('client_secret does not match the current secret');
    }
    managed = now.managed;
  }
  const { backend, grant } = managed;
  const result = await callVendor(deps, managed, 'update', metadata);
  await deps.cache.delete(readKey(backend.id, backend.mapping.hash, grant.clientId));
  return respond(call, result);
}

/** RFC 7592 §2.3 delete. */
export async function remove(deps: PipelineDeps, call: Call, clientId: string): Promise<void> {
  const { grant, backend } = await authorize(deps, call, clientId);
  await runOperation(backend, 'delete', varsOf(grant), {});
  await deps.cache.delete(readKey(backend.id, backend.mapping.hash, grant.clientId));
}

function sameSecret(given: string, actual: unknown): boolean {
  if (typeof actual !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(actual);
  return a.length === b.length && timingSafeEqual(a, b);
}
