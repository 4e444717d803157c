import type { FieldScopes } from './field-gates.js';
import type { Principal } from './principal.js';
import { OPEN_PRINCIPAL } from './principal.js';

/** A client certificate the caller presented: over the gateway's TLS, or named by a trusted proxy. */
export interface ClientCertificate {
  /** The certificate, DER. */
  readonly der: Buffer;
  /**
   * Issued by a CA the gateway trusts: the TLS handshake verified it against `client_ca`, or
   * the trusted proxy (or the gateway, with the header's `client_ca`) did. A certificate that
   * is not may still bind a `self_signed_tls_client_auth` client by its key (RFC 8705 §2.2).
   */
  readonly trusted: boolean;
}

/** What inbound authentication may look at: the request as the HTTP layer hands it over. */
export interface InboundRequest {
  readonly authorization: string | undefined;
  /** The media type of the body, lower case, without parameters; undefined without a body. */
  readonly contentType: string | undefined;
  /** The parsed JSON body, or the compact JWS text of an `application/jwt` body. */
  readonly body: unknown;
  readonly clientCertificate: ClientCertificate | undefined;
  /** The absolute URL of the registration endpoint called (the `aud` a signed request names). */
  readonly endpoint: string;
}

/** A software statement the gateway verified (RFC 7591 §2.3). */
export interface VerifiedStatement {
  /** As received: echoed in the response, and passed on where the mapping sends it. */
  readonly raw: string;
  /** Its claims, which take precedence over the body's members. */
  readonly claims: Readonly<Record<string, unknown>>;
}

/** The outcome of inbound authentication, built up by each check in turn. */
export interface Admission {
  readonly principal: Principal;
  /** The client metadata to register: the JSON body, or the claims of a signed request. */
  readonly body: unknown;
  readonly statement?: VerifiedStatement;
}

/**
 * One inbound mode (initial access token, software statement, signed request, client
 * certificate, ...): refuses with the RFC error, or returns the admission, refined. Checks run
 * in the order the route lists them; each sees what the earlier ones established.
 */
export type InboundCheck = (request: InboundRequest, admission: Admission) => Promise<Admission>;

/** How a route admits registrations: its checks, in order; none for an open route. */
export interface RegistrationAccess {
  readonly checks: readonly InboundCheck[];
  /** Members only callers granted a scope may set (member → scope); updates keep them as set. */
  readonly fieldScopes?: FieldScopes;
  /**
   * Checks an RFC 7592 update body goes through before the pipeline: a verified software
   * statement's claims win over an update as over a registration. None: the body as sent.
   */
  readonly updateChecks?: readonly InboundCheck[];
  /** The route reads `application/jwt` registration bodies (signed requests). */
  readonly signedRequests?: true;
}

export const OPEN_ACCESS: RegistrationAccess = Object.freeze({ checks: Object.freeze([]) });

/** Runs the route's checks over a registration request; throws the first refusal. */
export async function admit(
  access: RegistrationAccess,
  request: InboundRequest,
): Promise<Admission> {
  let admission: Admission = { principal: OPEN_PRINCIPAL, body: request.body };
  for (const check of access.checks) admission = await check(request, admission);
  return admission;
}
