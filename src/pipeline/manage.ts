import {
  bearerToken,
  checkUnchangedGatedFields,
  gatedMembers,
  grantDigest,
  type RegistrationGrant,
} from '../auth/index.js';
import { readKey } from '../cache/index.js';
import { checkUpdateBody, type ClientInformation } from '../dcr/index.js';
import { invalidRequest, invalidToken } from '../errors/index.js';
import { sameSecret } from '../lib/crypto.js';
import type { Outcome } from '../mapping/index.js';
import type { Backend, Call, PipelineDeps } from './context.js';
import { clientResponse, type ClientResponse } from './respond.js';
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
import { mergeInto } from '../lib/objects.js';

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
  if (call.audit) {
    call.audit.backend = backend.id;
    call.audit.clientId = grant.clientId;
  }
  return { grant, token, backend };
}

interface Current {
  readonly client: ClientInformation;
  readonly managed: Managed;
}

const cacheKey = ({ backend, grant }: Managed): string =>
  readKey(backend.id, backend.adapter.mapping.hash, grant.clientId);

/** The client as the vendor holds it now, from the cache when this very grant cached it. */
async function current(deps: PipelineDeps, call: Call, managed: Managed): Promise<Current> {
  const { grant, backend } = managed;
  const read = () => backend.adapter.read(grant.clientId, grant.state, call);
  if (deps.readCacheTtlSeconds === 0) return follow(deps, managed, await read());
  const key = cacheKey(managed);
  const cached = (await deps.cache.get(key)) as
    { digest?: string; client?: ClientInformation } | undefined;
  const hit = cached?.digest === grantDigest(grant) && cached.client !== undefined;
  deps.countCacheRead?.(backend.id, hit);
  if (hit) return { client: cached.client!, managed };
  const fresh = follow(deps, managed, await read());
  await deps.cache.set(
    key,
    { digest: grantDigest(fresh.managed.grant), client: fresh.client },
    deps.readCacheTtlSeconds,
  );
  return fresh;
}

/** Normalizes an outcome and, when the vendor state changed, follows it with a new gateway RAT. */
function follow(deps: PipelineDeps, managed: Managed, outcome: Outcome): Current {
  const { grant, backend } = managed;
  const client = normalize(backend, mergeInto({}, outcome.record, { client_id: grant.clientId }));
  if (!outcome.rotated) return { client, managed };
  const rotated = { ...grant, state: outcome.state };
  return { client, managed: { grant: rotated, backend, token: issueToken(deps, rotated) } };
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
  return respond(call, await current(deps, call, await authorize(deps, call, clientId)));
}

/**
 * RFC 7592 §2.2 update: the body replaces the whole record, so it goes through the same
 * validation and policy as a registration. A `client_secret` in it must equal the current one.
 * The cached read is removed before the vendor call too, so no reader is served the old record
 * once the vendor may hold the new one.
 */
export async function update(
  deps: PipelineDeps,
  call: Call,
  clientId: string,
  body: unknown,
  /** As received, when the route's update checks verified one. */
  verifiedStatement?: string,
): Promise<ClientResponse> {
  let managed = await authorize(deps, call, clientId);
  const { clientSecret } = checkUpdateBody(body, clientId);
  const checked = applyRoutePolicy(call.route, managed.backend, parseMetadata(body));
  // A statement the gateway verified (its claims are in the body by now) is echoed like one
  // passed through, and sent on only where the route passes statements on.
  const statement = verifiedStatement ?? softwareStatement(call.route, body);
  const metadata = withStatement(
    await checkOutboundUrls(call.route, checked),
    passedOn(call.route, statement),
  );
  const fieldScopes = call.route.access.fieldScopes ?? {};
  const gated = gatedMembers(fieldScopes, metadata).length > 0;
  if (clientSecret !== undefined || gated) {
    const now = await current(deps, call, managed);
    if (clientSecret !== undefined && !sameSecret(clientSecret, now.client.client_secret)) {
      throw invalidRequest('client_secret does not match the current secret');
    }
    if (gated) checkUnchangedGatedFields(fieldScopes, metadata, now.client);
    managed = now.managed;
  }
  const { backend, grant } = managed;
  await deps.cache.delete(cacheKey(managed));
  const outcome = await backend.adapter.update(grant.clientId, grant.state, metadata, call);
  await deps.cache.delete(cacheKey(managed));
  const updated = follow(deps, managed, outcome);
  return respond(call, { ...updated, client: withStatement(updated.client, statement) });
}

/** RFC 7592 §2.3 delete. */
export async function remove(deps: PipelineDeps, call: Call, clientId: string): Promise<void> {
  const managed = await authorize(deps, call, clientId);
  await managed.backend.adapter.delete(managed.grant.clientId, managed.grant.state, call);
  await deps.cache.delete(cacheKey(managed));
}
