import type { RedisConnection } from '../cache/index.js';
import type { OutboundPolicy } from '../lib/outbound-url.js';
import { OPEN_ACCESS, type InboundCheck, type RegistrationAccess } from './admission.js';
import { fieldGates, type FieldScopes } from './field-gates.js';
import { clientCertificateCheck, type ClientCertificateSettings } from './client-certificate.js';
import { initialAccessToken, staticTokens } from './initial-access.js';
import { introspectionAccess, type IntrospectionSettings } from './introspection.js';
import { jwtAccess, type JwtAccessSettings } from './jwt-access.js';
import { createKeySet, type KeySource } from './key-set.js';
import { signedRequestCheck, type SignedRequestSettings } from './signed-request.js';
import { redisSingleUse, SIGNED_REQUEST_USES } from './single-use.js';
import { softwareStatementCheck } from './software-statement.js';
import { createStatementVerifier, type SoftwareStatementSettings } from './statement-verifier.js';
import type { TokenMode } from './token-mode.js';

/**
 * A route's inbound authentication as the config declares it (data only: config resolves it,
 * `createAccess` turns it into checks at assembly). No token mode: an open route.
 */
export interface AccessSettings {
  /** Static initial access tokens, as SHA-256 digests. */
  readonly staticTokens?: readonly Buffer[];
  /** JWT initial access tokens and the key set that verifies them. */
  readonly jwt?: JwtAccessSettings & { readonly keys: KeySource };
  /** Opaque initial access tokens, asked about at an RFC 7662 endpoint. */
  readonly introspection?: IntrospectionSettings;
  /** Each initial access token is accepted once, across every instance (needs Redis). */
  readonly singleUse?: boolean;
  /** Members only tokens granting a scope may set: member → scope. */
  readonly fieldScopes?: FieldScopes;
  /** Client certificates are checked (bound to the metadata), and perhaps required. */
  readonly clientCertificate?: ClientCertificateSettings;
  /** Software statements the gateway verifies, and the publishers it trusts. */
  readonly softwareStatement?: SoftwareStatementSettings;
  /** Registration requests as a JWS (`application/jwt`); needs `softwareStatement`. */
  readonly signedRequests?: SignedRequestSettings;
}

export const OPEN_SETTINGS: AccessSettings = Object.freeze({});

/** Whether registration needs an initial access token (RFC 7591 §3), whatever else it checks. */
export const needsInitialAccessToken = (settings: AccessSettings): boolean =>
  settings.staticTokens !== undefined ||
  settings.jwt !== undefined ||
  settings.introspection !== undefined;

/** What the checks need beyond their settings, from the app's assembly. */
export interface AccessDeps {
  /** The route's outbound-URL policy: every URL the gateway itself fetches (JWKS) passes it. */
  readonly outbound: OutboundPolicy;
  /** The cache's Redis connection, where single use is recorded; undefined without Redis. */
  readonly redis: RedisConnection | undefined;
}

/**
 * The checks a route's settings call for, in the order they run: the initial access token,
 * then a signed request (which verifies the statement it carries), then a body's statement.
 */
export function createAccess(settings: AccessSettings, deps: AccessDeps): RegistrationAccess {
  const checks: InboundCheck[] = [];
  const modes: TokenMode[] = [];
  if (settings.staticTokens !== undefined) modes.push(staticTokens(settings.staticTokens));
  if (settings.jwt !== undefined) {
    const keys = createKeySet(settings.jwt.keys, {
      outbound: deps.outbound,
      field: 'initial_access_jwt.jwks',
    });
    modes.push(jwtAccess(settings.jwt, keys));
  }
  if (settings.introspection !== undefined) modes.push(introspectionAccess(settings.introspection));
  if (modes.length > 0)
    checks.push(
      initialAccessToken({
        modes,
        ...(settings.singleUse === true ? { singleUse: redisSingleUse(deps.redis) } : {}),
      }),
    );
  // After the token: a token principal stays the caller's name, the certificate joins it.
  if (settings.clientCertificate !== undefined)
    checks.push(clientCertificateCheck(settings.clientCertificate));
  const statements = settings.softwareStatement;
  let statementCheck: InboundCheck | undefined;
  if (statements !== undefined) {
    const verifyStatement = createStatementVerifier(statements, deps);
    if (settings.signedRequests !== undefined)
      checks.push(
        signedRequestCheck(settings.signedRequests, {
          verifyStatement,
          singleUse: redisSingleUse(deps.redis, SIGNED_REQUEST_USES),
          outbound: deps.outbound,
        }),
      );
    statementCheck = softwareStatementCheck(verifyStatement, { required: statements.required });
    checks.push(statementCheck);
  }
  // Last: gated members may come from a statement's claims too.
  const { fieldScopes } = settings;
  if (fieldScopes !== undefined) checks.push(fieldGates(fieldScopes));
  if (checks.length === 0) return OPEN_ACCESS;
  return {
    checks,
    ...(fieldScopes && { fieldScopes }),
    ...(settings.signedRequests === undefined ? {} : { signedRequests: true }),
    // An update may not undo what a statement fixed: it is verified the same way (and required
    // where registrations need one).
    ...(statementCheck && { updateChecks: [statementCheck] }),
  };
}
