import { Pool, errors as undiciErrors } from 'undici';
import {
  badVendorResponse,
  GatewayError,
  vendorTimeout,
  vendorUnavailable,
} from '../errors/index.js';
import type { VendorRequest, VendorResponse } from '../mapping/index.js';
import { createAdminAuthorizer, type AdminCredentials, type AdminScheme } from './admin-auth.js';

export interface BackendOptions {
  readonly id: string;
  /** Base URL; its path (e.g. `/nevismeta/rest`) prefixes every mapping path. */
  readonly baseUrl: URL;
  readonly adminScheme: AdminScheme;
  readonly adminCredentials: AdminCredentials;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly maxResponseBytes: number;
  /** Called after every vendor answer (status 0: no answer), e.g. for metrics. */
  readonly observe?: (backend: string, call: string, status: number, seconds: number) => void;
}

/** The only code that talks to a vendor: one connection pool per backend. */
export interface BackendClient {
  readonly id: string;
  send(request: VendorRequest): Promise<VendorResponse>;
  close(): Promise<void>;
}

export function createBackendClient(options: BackendOptions): BackendClient {
  const pool = new Pool(options.baseUrl.origin, {
    connections: 64,
    maxResponseSize: options.maxResponseBytes,
    connectTimeout: options.connectTimeoutMs,
    headersTimeout: options.requestTimeoutMs,
    bodyTimeout: options.requestTimeoutMs,
  });
  const basePath = options.baseUrl.pathname.replace(/\/$/, '');
  const exchange = async (
    call: string,
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: string,
  ) => {
    const started = performance.now();
    let status = 0;
    try {
      const response = await pool.request({
        method: method as 'GET',
        path,
        headers,
        ...(body === undefined ? {} : { body }),
      });
      status = response.statusCode;
      return { status, body: await readJson(response.body) };
    } catch (error) {
      throw toBackendError(error, options.id);
    } finally {
      options.observe?.(options.id, call, status, (performance.now() - started) / 1000);
    }
  };
  const authorize = createAdminAuthorizer(
    options.adminScheme,
    options.adminCredentials,
    (path, form, headers) =>
      exchange(
        'admin_token',
        'POST',
        basePath + path,
        {
          ...headers,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        form,
      ),
  );

  return {
    id: options.id,
    async send(request) {
      const path = requestPath(request, options.baseUrl, basePath);
      const headers: Record<string, string> = { ...request.headers, accept: 'application/json' };
      const authorization =
        typeof request.auth === 'object'
          ? `Bearer ${request.auth.bearer}`
          : request.auth === 'admin'
            ? await authorize()
            : undefined;
      if (authorization !== undefined) headers.authorization = authorization;
      let body: string | undefined;
      if (request.body !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(request.body);
      }
      return exchange(request.call, request.method, path, headers, body);
    },
    close: () => pool.close(),
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

/** The parsed JSON body, or undefined when it is empty or not JSON (the size cap is the pool's). */
async function readJson(body: { text(): Promise<string> }): Promise<unknown> {
  const text = await body.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function toBackendError(error: unknown, backend: string): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof undiciErrors.ResponseExceededMaxSizeError) {
    return badVendorResponse(`backend ${backend}: response body over the size limit`);
  }
  const timeout =
    error instanceof undiciErrors.ConnectTimeoutError ||
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError;
  return timeout
    ? vendorTimeout(`backend ${backend}`, error)
    : vendorUnavailable(`backend ${backend}`, error);
}
