/**
 * One error type for the whole gateway. Every error carries a stable `code` that tells
 * tests and logs what happened, the OAuth error value and status that go on the wire, a
 * public description safe to show callers, and an optional private detail and cause that only
 * the logs see.
 */
export type ErrorCode =
  | 'invalid_request'
  | 'invalid_client_metadata'
  | 'invalid_redirect_uri'
  | 'invalid_software_statement'
  | 'unapproved_software_statement'
  | 'missing_token'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'token_replayed'
  | 'client_certificate_required'
  | 'client_certificate_untrusted'
  | 'invalid_client_certificate'
  | 'request_replayed'
  | 'introspection_unavailable'
  | 'single_use_unavailable'
  | 'idempotency_key_reused'
  | 'idempotency_key_in_progress'
  | 'idempotency_unavailable'
  | 'not_found'
  | 'method_not_allowed'
  | 'misdirected_request'
  | 'request_timeout'
  | 'payload_too_large'
  | 'uri_too_long'
  | 'headers_too_large'
  | 'rate_limited'
  | 'quota_exceeded'
  | 'backend_rejected'
  | 'backend_unavailable'
  | 'key_set_unavailable'
  | 'backend_timeout'
  | 'backend_bad_response'
  | 'server_error';

interface ErrorSpec {
  status: number;
  /** The `error` member on the wire (RFC 6749 / 6750 / 7591 vocabulary). */
  oauthError: string;
}

const SPECS: Readonly<Record<ErrorCode, ErrorSpec>> = Object.freeze({
  invalid_request: { status: 400, oauthError: 'invalid_request' },
  invalid_client_metadata: { status: 400, oauthError: 'invalid_client_metadata' },
  invalid_redirect_uri: { status: 400, oauthError: 'invalid_redirect_uri' },
  invalid_software_statement: { status: 400, oauthError: 'invalid_software_statement' },
  unapproved_software_statement: { status: 400, oauthError: 'unapproved_software_statement' },
  // RFC 6750 §3.1 puts no error in a challenge to a request without credentials; the body
  // still needs one, and invalid_token is what the reference server (oidc-provider) answers.
  missing_token: { status: 401, oauthError: 'invalid_token' },
  invalid_token: { status: 401, oauthError: 'invalid_token' },
  // RFC 6750 §3.1: a valid token without the scope the request needs.
  insufficient_scope: { status: 403, oauthError: 'insufficient_scope' },
  // A single-use initial access token presented again: invalid from then on (RFC 6750 §3.1).
  token_replayed: { status: 401, oauthError: 'invalid_token' },
  // RFC 8705 defines no registration error, and TLS has no HTTP challenge a 401 could carry:
  // a route that needs a client certificate refuses the request as such (README, Mutual TLS).
  client_certificate_required: { status: 403, oauthError: 'access_denied' },
  client_certificate_untrusted: { status: 403, oauthError: 'access_denied' },
  // The certificate a trusted proxy forwarded cannot be read: the request is malformed.
  invalid_client_certificate: { status: 400, oauthError: 'invalid_request' },
  // A signed registration request (its jti) presented again: a request, not a token, is at fault.
  request_replayed: { status: 400, oauthError: 'invalid_request' },
  not_found: { status: 404, oauthError: 'not_found' },
  method_not_allowed: { status: 405, oauthError: 'invalid_request' },
  misdirected_request: { status: 421, oauthError: 'invalid_request' },
  request_timeout: { status: 408, oauthError: 'invalid_request' },
  payload_too_large: { status: 413, oauthError: 'invalid_request' },
  uri_too_long: { status: 414, oauthError: 'invalid_request' },
  headers_too_large: { status: 431, oauthError: 'invalid_request' },
  // RFC 6749 §4.1.2.1 has no 429; its temporarily_unavailable is the value that says "later".
  rate_limited: { status: 429, oauthError: 'temporarily_unavailable' },
  quota_exceeded: { status: 429, oauthError: 'temporarily_unavailable' },
  backend_rejected: { status: 502, oauthError: 'server_error' },
  backend_unavailable: { status: 503, oauthError: 'temporarily_unavailable' },
  // A JWKS (or introspection endpoint) the gateway needs to verify a credential is unreachable.
  key_set_unavailable: { status: 503, oauthError: 'temporarily_unavailable' },
  // The RFC 7662 endpoint that decides on an opaque token does not answer usably.
  introspection_unavailable: { status: 503, oauthError: 'temporarily_unavailable' },
  // Single-use tokens are refused while their use cannot be recorded (fail closed).
  single_use_unavailable: { status: 503, oauthError: 'temporarily_unavailable' },
  // An Idempotency-Key sent again with another body: the request is not the one it names.
  idempotency_key_reused: { status: 422, oauthError: 'invalid_request' },
  // The first request with this key is still running: later, the answer is replayed.
  idempotency_key_in_progress: { status: 409, oauthError: 'temporarily_unavailable' },
  // A key cannot be honoured while its record cannot be read or written (fail closed).
  idempotency_unavailable: { status: 503, oauthError: 'temporarily_unavailable' },
  backend_timeout: { status: 504, oauthError: 'temporarily_unavailable' },
  backend_bad_response: { status: 502, oauthError: 'server_error' },
  server_error: { status: 500, oauthError: 'server_error' },
});

export interface GatewayErrorOptions {
  /** Private detail: logged, never sent. */
  detail?: string;
  cause?: unknown;
  headers?: Readonly<Record<string, string>>;
}

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly oauthError: string;
  readonly description: string;
  readonly detail: string | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, description: string, options: GatewayErrorOptions = {}) {
    super(description, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.status = SPECS[code].status;
    this.oauthError = SPECS[code].oauthError;
    this.description = description;
    this.detail = options.detail;
    this.headers = options.headers ?? {};
  }
}

/** Metadata member `field` is not acceptable; redirect URI problems get their own code. */
export function invalidMetadata(field: string, problem: string): GatewayError {
  const code = field === 'redirect_uris' ? 'invalid_redirect_uri' : 'invalid_client_metadata';
  return new GatewayError(code, `${field} ${problem}`);
}

export function invalidRequest(description: string): GatewayError {
  return new GatewayError('invalid_request', description);
}

/** The protection space every Bearer challenge of the gateway names (RFC 6750 §3, RFC 9110 §11.5). */
export const BEARER_REALM = 'dcr-gateway';

/**
 * RFC 6750 §3.1: a request without credentials gets a bare challenge (a realm, no error
 * attribute, since it may not know it needs authentication); the body says invalid_token.
 */
export function missingToken(): GatewayError {
  return new GatewayError('missing_token', 'a bearer token is required', {
    headers: { 'www-authenticate': `Bearer realm="${BEARER_REALM}"` },
  });
}

/** The challenge to a token the gateway does not accept (RFC 6750 §3.1). */
export const INVALID_TOKEN_CHALLENGE = `Bearer realm="${BEARER_REALM}", error="invalid_token"`;

export function invalidToken(detail?: string): GatewayError {
  return new GatewayError('invalid_token', 'the access token is invalid', {
    ...(detail === undefined ? {} : { detail }),
    headers: { 'www-authenticate': INVALID_TOKEN_CHALLENGE },
  });
}

/** RFC 6750 §3.1: 403 with the scope the request needs named in the challenge. */
export function insufficientScope(
  scope: string,
  description = `the access token lacks the scope ${scope}`,
): GatewayError {
  return new GatewayError('insufficient_scope', description, {
    headers: {
      'www-authenticate': `Bearer realm="${BEARER_REALM}", error="insufficient_scope", scope="${scope}"`,
    },
  });
}

/** The route admits only callers that present a client certificate (RFC 8705 §2). */
export function clientCertificateRequired(): GatewayError {
  return new GatewayError(
    'client_certificate_required',
    'a client certificate is required to register on this endpoint',
  );
}

/** A client certificate not issued by a CA the gateway trusts, where the route needs one. */
export function clientCertificateUntrusted(detail?: string): GatewayError {
  return new GatewayError(
    'client_certificate_untrusted',
    'the client certificate is not issued by a trusted certificate authority',
    detail === undefined ? {} : { detail },
  );
}

/** The client certificate header a trusted proxy set holds no readable certificate. */
export function invalidClientCertificate(header: string, detail: string): GatewayError {
  return new GatewayError(
    'invalid_client_certificate',
    `the ${header} header does not hold one PEM certificate`,
    { detail },
  );
}

export function methodNotAllowed(allow: readonly string[]): GatewayError {
  return new GatewayError('method_not_allowed', 'method not allowed on this resource', {
    headers: { allow: allow.join(', ') },
  });
}

/** Too many requests from one caller in the current window (429, RFC 6585 §4). */
export function rateLimited(retryAfterSeconds: number): GatewayError {
  return new GatewayError('rate_limited', 'too many requests; retry later', {
    headers: { 'retry-after': String(retryAfterSeconds) },
  });
}

/** The caller created as many clients as the route allows in the current window (429). */
export function quotaExceeded(retryAfterSeconds: number): GatewayError {
  return new GatewayError('quota_exceeded', 'too many clients registered; retry later', {
    headers: { 'retry-after': String(retryAfterSeconds) },
  });
}

/** The vendor answered something the gateway cannot use (502); `detail` says what, privately. */
export function badVendorResponse(detail: string): GatewayError {
  return new GatewayError(
    'backend_bad_response',
    'the identity provider sent an unusable response',
    { detail },
  );
}

/** The vendor cannot be reached or is failing (503). */
export function vendorUnavailable(detail: string, cause?: unknown): GatewayError {
  return new GatewayError('backend_unavailable', 'the identity provider is unavailable', {
    detail,
    cause,
  });
}

/** The vendor did not answer within the backend's timeout (504). */
export function vendorTimeout(detail: string, cause?: unknown): GatewayError {
  return new GatewayError('backend_timeout', 'the identity provider did not answer in time', {
    detail,
    cause,
  });
}
