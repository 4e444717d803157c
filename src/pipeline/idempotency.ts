import { setTimeout as sleep } from 'node:timers/promises';
import type { Admission } from '../auth/index.js';
import { idempotencyKey, type Claim, type SealedClaims } from '../cache/index.js';
import type { IdempotencySettings } from '../config/load.js';
import { GatewayError, invalidRequest } from '../errors/index.js';
import { canonicalJson } from '../lib/canonical-json.js';
import { sha256 } from '../lib/crypto.js';
import type { AuditFacts, Call, PipelineDeps } from './context.js';
import { wantsDryRun } from './dry-run.js';
import { register, type Registered } from './register.js';

/** What tells a registration's repeats apart, as the HTTP layer hands it over. */
export interface RepeatScope {
  /** The `Idempotency-Key` header as received (undefined when absent). */
  readonly idempotencyKey: string | string[] | undefined;
  /** The caller's address: whose repeats they are where no principal names the caller. */
  readonly address: string;
}

/** One to 255 visible ASCII characters (VCHAR, RFC 5234): no space, control or non-ASCII. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
/** How often a repeat looks whether the first request has answered. */
const POLL_MS = 100;

/**
 * Registration with repeats answered once (README: Idempotency). A request with an
 * `Idempotency-Key`, or without one on a route with a duplicate window, claims a record keyed
 * by route, caller and key (or metadata hash) before it runs; its 201 is stored there, sealed,
 * and replayed to every repeat with the same body, on any instance sharing the store. A repeat
 * with another body is refused (422), one arriving while the first runs waits for it, and a
 * first request that fails releases the key, so a retry runs again.
 */
export async function registerOnce(
  deps: PipelineDeps,
  call: Call,
  admission: Admission,
  scope: RepeatScope,
): Promise<Registered> {
  const settings = call.route.idempotency;
  const run = () => register(deps, call, admission);
  if (settings === undefined || wantsDryRun(call)) return run();
  const key = idempotencyKeyOf(scope.idempotencyKey);
  const window = settings.duplicateWindowSeconds;
  // Most registrations carry no key on a route without a window: nothing to hash for them.
  if (key === undefined && window === undefined) return run();
  const fingerprint = fingerprintOf(admission.body);
  const caller = admission.principal.key ?? `address:${scope.address}`;
  const record = (kind: string, value: string) =>
    idempotencyKey(call.route.id, digest([caller, kind, value].join('\n')));
  if (key !== undefined)
    return once(deps.claims, settings, { name: record('key', key), fingerprint }, run, {
      ttlSeconds: settings.ttlSeconds,
      audit: call.audit,
    });
  return once(deps.claims, settings, { name: record('metadata', fingerprint), fingerprint }, run, {
    ttlSeconds: window!, // set: no key and no window returned above
    audit: call.audit,
    // Best effort without a key: a store that fails costs the window, not the registration.
    failOpen: true,
  });
}

/** The header, checked: absent is undefined; anything but 1..255 visible ASCII is a 400. */
export function idempotencyKeyOf(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header === 'string' && IDEMPOTENCY_KEY.test(header)) return header;
  throw invalidRequest('Idempotency-Key must be one value of 1 to 255 visible ASCII characters');
}

/** SHA-256 of the body as canonical JSON: member order and whitespace do not count. */
export const fingerprintOf = (body: unknown): string => digest(canonicalJson(body));

const digest = (text: string): string => sha256(text).toString('base64url');

/** A record: claimed (no response yet) while the first request runs, then its 201. */
interface Entry {
  readonly fingerprint: string;
  readonly response?: Pick<Registered, 'status' | 'body'>;
}

interface Target {
  readonly name: string;
  readonly fingerprint: string;
}

interface Keeping {
  readonly ttlSeconds: number;
  readonly failOpen?: boolean;
  /** The audit line of a replay names the client it answers with. */
  readonly audit: AuditFacts | undefined;
}

function replay(response: NonNullable<Entry['response']>, audit: AuditFacts | undefined) {
  if (audit) audit.clientId = (response.body as { client_id?: string }).client_id;
  return { ...response, replayed: true } as const;
}

async function once(
  claims: SealedClaims,
  settings: IdempotencySettings,
  target: Target,
  run: () => Promise<Registered>,
  keeping: Keeping,
): Promise<Registered> {
  const waitUntil = Date.now() + settings.waitSeconds * 1000;
  for (;;) {
    let taken: Awaited<ReturnType<SealedClaims['claim']>>;
    try {
      taken = await claims.claim(
        target.name,
        { fingerprint: target.fingerprint },
        settings.leaseSeconds,
      );
    } catch (error) {
      if (keeping.failOpen) return run();
      throw unavailable(error);
    }
    if ('claim' in taken) return runClaimed(claims, taken.claim, target, run, keeping);
    const held = taken.held as Entry | undefined;
    if (held !== undefined && held.fingerprint !== target.fingerprint) throw keyReused();
    if (held?.response !== undefined) return replay(held.response, keeping.audit);
    // Still running elsewhere (or just released: the next claim finds out).
    if (Date.now() >= waitUntil) throw inProgress();
    await sleep(POLL_MS);
  }
}

async function runClaimed(
  claims: SealedClaims,
  claim: Claim,
  target: Target,
  run: () => Promise<Registered>,
  keeping: Keeping,
): Promise<Registered> {
  let registered: Registered;
  try {
    registered = await run();
  } catch (error) {
    // A retry runs again; if even the release fails, the lease runs out instead.
    await claims.release(claim).catch(() => undefined);
    throw error;
  }
  const entry: Entry = {
    fingerprint: target.fingerprint,
    response: { status: registered.status, body: registered.body },
  };
  // The client exists: its caller gets it even if the record cannot be written (its lease
  // then runs out, and a retry after that registers again).
  await claims.replace(claim, entry, keeping.ttlSeconds).catch(() => undefined);
  return registered;
}

const unavailable = (cause: unknown) =>
  new GatewayError('idempotency_unavailable', 'an Idempotency-Key cannot be honoured now', {
    detail: `idempotency store: ${(cause as Error).message}`,
    cause,
  });

const keyReused = () =>
  new GatewayError(
    'idempotency_key_reused',
    'the Idempotency-Key was used with another request body',
  );

/** Retry-After: by then the first request has most likely answered. */
const inProgress = () =>
  new GatewayError(
    'idempotency_key_in_progress',
    'a request with this Idempotency-Key is still being processed; retry later',
    { headers: { 'retry-after': '1' } },
  );
