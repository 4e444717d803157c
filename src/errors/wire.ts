import { GatewayError } from './gateway-error.js';

export interface WireError {
  status: number;
  headers: Readonly<Record<string, string>>;
  body: { error: string; error_description: string; request_id: string };
}

/**
 * The one place an error becomes a response. A `GatewayError` keeps its public description
 * (never its detail or cause); every other failure becomes a generic message, so no exception
 * text, stack or vendor body ever reaches a caller.
 */
export function toWire(error: unknown, requestId: string): WireError {
  const known = error instanceof GatewayError ? error : undefined;
  const status = known?.status ?? 500;
  const headers = known?.headers ?? {};
  return {
    status,
    headers: TEMPORARY.has(status) ? { 'retry-after': RETRY_AFTER_SECONDS, ...headers } : headers,
    body: {
      error: known?.oauthError ?? 'server_error',
      error_description: known ? toDescriptionCharset(known.description) : 'internal error',
      request_id: requestId,
    },
  };
}

/** A backend that is down or slow (503, 504) is worth retrying, later (RFC 9110 §10.2.3). */
const TEMPORARY = new Set([503, 504]);
const RETRY_AFTER_SECONDS = '5';

/** RFC 6749 §5.2 allows only %x20-21 / %x23-5B / %x5D-7E in `error_description`. */
function toDescriptionCharset(text: string): string {
  return text.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '?');
}
