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

export type Send = (request: VendorRequest) => Promise<VendorResponse>;
