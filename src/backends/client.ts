import { Pool, errors as undiciErrors } from 'undici';
import {
  badVendorResponse,
  GatewayError,
  vendorTimeout,
  vendorUnavailable,
} from '../errors/index.js';
import type { CallContext, VendorRequest, VendorResponse } from '../mapping/index.js';
import {
  createAdminAuthorizer,
  refusesToken,
  type AdminCredentials,
  type AdminScheme,
} from './admin-auth.js';
import { createBreaker, type BreakerSettings, type BreakerState } from './breaker.js';
import {
  createSlots,
  DeadlineExceeded,
  inSlot,
  withDeadline,
  type DeadlineSignal,
} from './deadline.js';
import { outgoingTraceparent } from '../lib/trace-context.js';
import { exchangeJson, type JsonExchange } from './dispatch.js';
import { withRetries, type RetrySettings } from './retry.js';
import { copyOf } from '../lib/objects.js';

export interface BackendOptions {
  readonly id: string;
  /** Base URL; its path (e.g. `/nevismeta/rest`) prefixes every mapping path. */
  readonly baseUrl: URL;
  readonly adminScheme: AdminScheme;
  readonly adminCredentials: AdminCredentials;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly maxResponseBytes: number;
  /** Keep-alive connections to the backend, and calls in flight at once (more wait their turn). */
  readonly connections?: number;
  /** Idempotent calls tried again after transient failures; undefined: never. */
  readonly retry?: RetrySettings | undefined;
  /** The backend's circuit breaker; undefined: none. */
  readonly breaker?: BreakerSettings | undefined;
  /** Called after every vendor answer (status 0: no answer), e.g. for metrics. */
  readonly observe?: (backend: string, call: string, status: number, seconds: number) => void;
  /** Called on each retry of a call. */
  readonly countRetry?: (backend: string, call: string) => void;
  /** Called when the breaker changes state. */
  readonly onBreakerChange?: (backend: string, state: BreakerState) => void;
}

/** The only code that talks to a vendor: one connection pool per backend. */
export interface BackendClient {
  readonly id: string;
  send(request: VendorRequest, context?: CallContext): Promise<VendorResponse>;
  /** The circuit breaker's state (`closed` without one). */
  breakerState(): BreakerState;
  /**
   * Closes the pool at once, failing calls still open: the app closes once its requests are
   * done or, past the drain's bound, abandoned, so a call still waiting on its vendor would
   * only hold the exit up to its own deadline.
   */
  close(): Promise<void>;
}

/**
 * Keep-alive connections per backend by default, and as many slots: a request that holds a slot
 * always finds a socket, so undici never queues one where its wait would escape the deadline.
 */
export const DEFAULT_POOL_CONNECTIONS = 64;

const NO_RETRIES: RetrySettings = { retries: 0, baseDelayMs: 0 };

/** Where a call stood when its deadline passed, for the private detail. */
type Phase = 'admin token' | 'queued for a connection' | 'vendor exchange';

interface Outgoing extends JsonExchange {
  readonly call: string;
}

export function createBackendClient(options: BackendOptions): BackendClient {
  const pool = new Pool(options.baseUrl.origin, {
    connections: options.connections ?? DEFAULT_POOL_CONNECTIONS,
    maxResponseSize: options.maxResponseBytes,
    connectTimeout: options.connectTimeoutMs,
    // The call's deadline governs both; undici's would start only on a socket and restart per chunk.
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  const slots = createSlots(options.connections ?? DEFAULT_POOL_CONNECTIONS);
  const breaker =
    options.breaker === undefined
      ? undefined
      : createBreaker(options.id, options.breaker, (state) =>
          options.onBreakerChange?.(options.id, state),
        );
  const refused = refusesToken(options.adminScheme);
  const basePath = options.baseUrl.pathname.replace(/\/$/, '');
  /** One request and its whole body, in a slot, ended by `signal`. */
  const exchange = async (
    outgoing: Outgoing,
    signal: DeadlineSignal,
    onSlot: () => void = () => undefined,
  ): Promise<VendorResponse> => {
    const started = performance.now();
    let status = 0;
    try {
      return await inSlot(slots, signal, async () => {
        onSlot();
        // On abort undici destroys the request and its socket, which frees the slot.
        return await exchangeJson(pool, outgoing, signal, (answered) => (status = answered));
      });
    } finally {
      const seconds = (performance.now() - started) / 1000;
      options.observe?.(options.id, outgoing.call, status, seconds);
    }
  };
  // Shared by every caller waiting for the token, so it runs under its own deadline: one
  // caller giving up must not cancel it for the others (each still stops at its own deadline).
  const authorize = createAdminAuthorizer(
    options.adminScheme,
    options.adminCredentials,
    (path, form, headers) =>
      withDeadline(options.requestTimeoutMs, (signal) =>
        exchange(
          {
            call: 'admin_token',
            method: 'POST',
            path: basePath + path,
            headers: {
              ...headers,
              'content-type': 'application/x-www-form-urlencoded',
              accept: 'application/json',
            },
            body: form,
          },
          signal,
        ),
      ),
  );

  return {
    id: options.id,
    async send(request, context) {
      breaker?.admit();
      let phase: Phase = 'admin token';
      const started = performance.now();
      try {
        const response = await withDeadline(options.requestTimeoutMs, async (signal) => {
          const path = requestPath(request, options.baseUrl, basePath);
          const headers: Record<string, string> = copyOf(request.headers ?? {});
          headers.accept = 'application/json';
          if (context?.trace !== undefined)
            headers.traceparent = outgoingTraceparent(context.trace);
          const authorization =
            typeof request.auth === 'object'
              ? `Bearer ${request.auth.bearer}`
              : request.auth === 'admin'
                ? await authorize(signal)
                : undefined;
          if (authorization !== undefined) headers.authorization = authorization;
          let body: string | undefined;
          if (request.body !== undefined) {
            headers['content-type'] = 'application/json';
            body = JSON.stringify(request.body);
          }
          const send = () =>
            withRetries(
              request.method,
              options.retry ?? NO_RETRIES,
              signal,
              () => {
                phase = 'queued for a connection';
                const outgoing = {
                  call: request.call,
                  method: request.method,
                  path,
                  headers,
                  body,
                };
                return exchange(outgoing, signal, () => {
                  phase = 'vendor exchange';
                });
              },
              () => options.countRetry?.(options.id, request.call),
            );
          const response = await send();
          // An admin token the vendor no longer takes (revoked, rotated keys): once more with a
          // fresh one, within the same deadline.
          if (request.auth !== 'admin' || authorization === undefined || !refused(response))
            return response;
          if (!authorize.refused(authorization)) return response;
          phase = 'admin token';
          headers.authorization = (await authorize(signal))!;
          return send();
        });
        breaker?.record(response.status >= 500);
        return response;
      } catch (error) {
        const failure = toBackendError(
          error,
          `backend ${options.id} call ${request.call} (${phase})`,
        );
        breaker?.record(failure.status >= 500);
        throw failure;
      } finally {
        if (context?.backendTime !== undefined)
          context.backendTime.ms += performance.now() - started;
      }
    },
    breakerState: () => breaker?.state() ?? 'closed',
    close: () => pool.destroy(),
  };
}

/**
 * Absolute URLs come from the vendor (e.g. its `registration_client_uri`); the gateway follows
 * them only on the backend's own origin, so a vendor response cannot point the gateway, and the
 * credentials it sends, anywhere else.
 */
function requestPath(request: VendorRequest, base: URL, basePath: string): string {
  let path: string;
  if (request.url !== undefined) {
    const url = URL.canParse(request.url) ? new URL(request.url) : undefined;
    if (url === undefined || url.origin !== base.origin) {
      throw badVendorResponse(`call ${request.call}: vendor URL is not on the backend origin`);
    }
    path = url.pathname + url.search;
  } else {
    path = basePath + request.path;
  }
  if (request.query === undefined) return path;
  const query = new URLSearchParams(request.query).toString();
  return `${path}${path.includes('?') ? '&' : '?'}${query}`;
}

function toBackendError(error: unknown, where: string): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof DeadlineExceeded) return vendorTimeout(`${where}: ${error.message}`, error);
  if (error instanceof undiciErrors.ResponseExceededMaxSizeError) {
    return badVendorResponse(`${where}: response body over the size limit`);
  }
  return error instanceof undiciErrors.ConnectTimeoutError
    ? vendorTimeout(where, error)
    : vendorUnavailable(where, error);
}
