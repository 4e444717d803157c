import type { Trace } from '../lib/trace-context.js';

/**
 * The adapter's only port to the outside: one rendered vendor call goes out, its answer comes
 * back. `backends/` implements it (admin credentials, pools, deadlines); examples and dry runs
 * implement it with recorded or no answers.
 */
export interface VendorRequest {
  /** The mapping's name for the call, for logs and errors. */
  readonly call: string;
  readonly method: string;
  /** Either a path below the base URL or an absolute URL the vendor handed out. */
  readonly path?: string;
  readonly url?: string;
  readonly query?: Readonly<Record<string, string>>;
  /** The call's own headers; the port adds Accept, Content-Type and Authorization. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly auth: 'admin' | 'none' | { readonly bearer: string };
  readonly body?: unknown;
}

export interface VendorResponse {
  readonly status: number;
  /** The parsed JSON body; undefined when the body was empty or not JSON. */
  readonly body: unknown;
}

/**
 * What a vendor call carries from the request it serves, handed down explicitly (an
 * AsyncLocalStorage turned on Node's promise hooks for every promise in the process, about a
 * sixth of a registration's CPU; README, Performance).
 */
export interface CallContext {
  /** The caller's W3C trace, continued by each vendor call. */
  readonly trace?: Trace | undefined;
  /** Where each vendor call adds the time it took, for the request's access line. */
  readonly backendTime?: BackendTime | undefined;
}

/** Milliseconds a request has spent in vendor calls so far (admin token, retries included). */
export interface BackendTime {
  ms: number;
}

export type Send = (request: VendorRequest, context?: CallContext) => Promise<VendorResponse>;
