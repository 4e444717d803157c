import { isIP } from 'node:net';
import fastifyRateLimit, { normalizeIP, type RateLimitPluginOptions } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { quotaExceeded, rateLimited } from '../errors/index.js';

/** At most `max` per caller in a fixed window of `windowSeconds`. */
export interface LimitWindow {
  readonly max: number;
  readonly windowSeconds: number;
}

/** The limits of one route; an absent one is off. */
export interface RouteLimits {
  /** Requests to `POST {prefix}/register`. */
  readonly register?: LimitWindow | undefined;
  /** RFC 7592 requests (GET, PUT, DELETE). */
  readonly manage?: LimitWindow | undefined;
  /** Clients created (201), checked before a create and counted after it. */
  readonly quota?: LimitWindow | undefined;
}

export type LimitKind = keyof RouteLimits;

/** A hook that refuses a request over its limit with 429. */
export type LimitHook = (request: FastifyRequest) => Promise<void>;

/** What the registration routes call; an absent member is a limit that is off. */
export interface RouteLimiters {
  readonly register?: LimitHook;
  readonly manage?: LimitHook;
  readonly quota?: {
    /** Refuses the create when the caller has used the quota up; counts nothing. */
    readonly check: LimitHook;
    /** Counts one created client. */
    readonly count: LimitHook;
  };
}

export interface LimitStore {
  /**
   * An ioredis connection (the cache's), so every instance counts in one place; without one
   * each instance counts in memory on its own.
   */
  readonly redis: RateLimitPluginOptions['redis'] | undefined;
  /** A store failure: the request is let through; this reports it. */
  readonly onError: (route: string, kind: LimitKind, error: unknown) => void;
}

/** Bits of an IPv6 address that name one caller: one host commonly holds a whole /64. */
const IPV6_CALLER_BITS = 64;

/**
 * Ways to tell callers apart, most specific first: the first that knows the request names it.
 * The principal inbound authentication admitted (`iat:…`, `sub:…`, `software:…`, `cert:…`; no
 * address key starts with letters and a colon) counts before the address, so callers behind
 * one NAT keep their own limits; a request that was not admitted counts against its address.
 */
const CALLER_KEYS: readonly ((request: FastifyRequest) => string | undefined)[] = [
  (request) => request.admission?.principal.key,
  (request) => addressKey(request.ip),
];

/** Who a limit counts against. */
export function callerKey(request: FastifyRequest): string {
  for (const key of CALLER_KEYS) {
    const found = key(request);
    if (found !== undefined) return found;
  }
  return 'unknown';
}

/**
 * The caller's address as a key: IPv4 (also IPv4-mapped IPv6) as written, IPv6 as the first
 * address of its /64 in canonical form. Anything else (a trusted proxy may forward junk) is
 * one shared key rather than a key of the caller's choosing.
 */
export function addressKey(ip: string | undefined): string {
  if (ip === undefined || isIP(ip) === 0) return 'invalid';
  try {
    return normalizeIP(ip, IPV6_CALLER_BITS);
  } catch {
    return 'invalid';
  }
}

/**
 * The limiters of one route, each from `@fastify/rate-limit` with its Redis store (keys
 * `dcrgw:limit:{route}:{kind}:{caller}`) or its in-memory store. A limiter whose store fails
 * lets the request through and reports it: a lost Redis must not stop registration.
 */
export async function createRouteLimiters(
  app: FastifyInstance,
  route: { readonly id: string; readonly limits: RouteLimits },
  store: LimitStore,
): Promise<RouteLimiters> {
  const { register, manage, quota } = route.limits;
  const limiter = async (kind: LimitKind, window: LimitWindow) => {
    const limit = await createLimit(app, `${route.id}:${kind}`, window, store.redis);
    return async (request: FastifyRequest, increment = true) => {
      try {
        const state = await limit(request, { increment });
        return state.isAllowed ? undefined : state;
      } catch (error) {
        store.onError(route.id, kind, error);
        return undefined;
      }
    };
  };
  const refusing = async (kind: LimitKind, window: LimitWindow): Promise<LimitHook> => {
    const count = await limiter(kind, window);
    return async (request) => {
      const state = await count(request);
      if (state?.isExceeded) throw rateLimited(retryAfter(state.ttl));
    };
  };
  const quotaLimiter = quota && (await limiter('quota', quota));
  return {
    ...(register && { register: await refusing('register', register) }),
    ...(manage && { manage: await refusing('manage', manage) }),
    ...(quotaLimiter && {
      quota: {
        check: async (request) => {
          const state = await quotaLimiter(request, false);
          if (state !== undefined && state.remaining === 0)
            throw quotaExceeded(retryAfter(state.ttl));
        },
        count: async (request) => void (await quotaLimiter(request)),
      },
    }),
  };
}

/** Whole seconds until the window ends, at least 1 (RFC 9110 §10.2.3 delay-seconds). */
const retryAfter = (ttlMs: number): number => Math.max(1, Math.ceil(ttlMs / 1000));

/**
 * One `@fastify/rate-limit` instance, used through `createRateLimit` so its failures can be
 * let through here. Each lives in a scope of its own: the plugin decorates the scope it is
 * registered in, and its child stores would put the route's method and URL into the key.
 */
async function createLimit(
  app: FastifyInstance,
  name: string,
  window: LimitWindow,
  redis: LimitStore['redis'],
): Promise<ReturnType<FastifyInstance['createRateLimit']>> {
  let limit: ReturnType<FastifyInstance['createRateLimit']> | undefined;
  await app.register(async (scope) => {
    await scope.register(fastifyRateLimit, {
      global: false,
      max: window.max,
      timeWindow: window.windowSeconds * 1000,
      keyGenerator: callerKey,
      ...(redis === undefined ? {} : { redis, nameSpace: `dcrgw:limit:${name}:` }),
    });
    limit = scope.createRateLimit();
  });
  return limit!;
}

/** How often a failing store is logged: enough to notice, not a line per request. */
const WARN_INTERVAL_MS = 60_000;

/**
 * Reports store failures: every one counted, one warn line a minute at most (the line says how
 * many were let through since the last one).
 */
export function limitStoreErrors(
  logger: Logger,
  count: (route: string, kind: LimitKind) => void,
  now: () => number = Date.now,
): LimitStore['onError'] {
  let warnedAt = -Infinity;
  let unreported = 0;
  return (route, kind, error) => {
    count(route, kind);
    unreported++;
    if (now() - warnedAt < WARN_INTERVAL_MS) return;
    warnedAt = now();
    logger.warn(
      { route, limit: kind, requests: unreported, reason: messageOf(error) },
      'rate limit store unreachable; requests let through unlimited',
    );
    unreported = 0;
  };
}

const messageOf = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);
