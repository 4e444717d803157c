import {
  createLocalJWKSet,
  decodeJwt,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { GatewayError, invalidMetadata, invalidRequest } from '../errors/index.js';
import type { AsymmetricJwsAlgorithm } from '../lib/jws-algorithms.js';
import type { OutboundPolicy } from '../lib/outbound-url.js';
import type { InboundCheck, VerifiedStatement } from './admission.js';
import { createKeySet } from './key-set.js';
import type { SingleUse } from './single-use.js';
import { admitStatement } from './software-statement.js';
import { invalidStatement, joseReason, type StatementVerifier } from './statement-verifier.js';

/** How a route verifies registration requests sent as a JWS (`application/jwt`). */
export interface SignedRequestSettings {
  /** A plain JSON registration is refused. */
  readonly required: boolean;
  readonly algorithms: readonly AsymmetricJwsAlgorithm[];
  /** How old (`iat`) a request may be, and how long past now its `exp` may lie. */
  readonly maxAgeSeconds: number;
  readonly clockSkewSeconds: number;
}

export interface SignedRequestDeps {
  readonly verifyStatement: StatementVerifier;
  /** Where each request's `jti` is recorded, across instances. */
  readonly singleUse: SingleUse;
  /** The route's outbound-URL policy, which a statement's `jwks_uri` must pass. */
  readonly outbound: OutboundPolicy;
}

/** Media type of a signed registration request (RFC 7519 §10.3.1). */
export const SIGNED_REQUEST_MEDIA_TYPE = 'application/jwt';

/** Key sets fetched from statements' `jwks_uri`, kept (and their freshness with them) up to this many. */
const MAX_CACHED_KEY_SETS = 256;

/**
 * Signed registration requests (UK Open Banking, CDR): the body is a compact JWS whose claims
 * are the client metadata and carry a `software_statement`. The statement is verified first;
 * then the request, with a key of the statement's `jwks` (or its `jwks_uri`, fetched through
 * the outbound-URL policy): an allowed algorithm, `iss` the statement's `software_id`, `aud`
 * this registration endpoint, `iat` at most `maxAgeSeconds` old, `exp` at most that far ahead,
 * and a `jti` never seen before on any instance. The request's own faults are
 * `invalid_request`; the statement's, `invalid_software_statement`.
 */
export function signedRequestCheck(
  settings: SignedRequestSettings,
  deps: SignedRequestDeps,
): InboundCheck {
  const keySets = new Map<string, JWTVerifyGetKey>();
  const fetchedKeySet = (uri: string): JWTVerifyGetKey => {
    let keys = keySets.get(uri);
    if (keys === undefined) {
      if (keySets.size >= MAX_CACHED_KEY_SETS) keySets.delete(keySets.keys().next().value!);
      keys = createKeySet({ kind: 'uri', uri }, { outbound: deps.outbound, field: 'jwks_uri' });
      keySets.set(uri, keys);
    }
    return keys;
  };
  const keysOf = async (statement: VerifiedStatement): Promise<JWTVerifyGetKey> => {
    const { jwks, jwks_uri: uri } = statement.claims;
    if (isKeySet(jwks)) return createLocalJWKSet(jwks);
    if (typeof uri !== 'string' || !URL.canParse(uri))
      throw invalidStatement('the software statement has no jwks or jwks_uri for the request');
    const verdict = await deps.outbound.checkAll([{ field: 'jwks_uri', url: uri }]);
    if (!verdict.ok) throw invalidMetadata(verdict.field, verdict.reason);
    return fetchedKeySet(uri);
  };

  return async (request, admission) => {
    if (request.contentType !== SIGNED_REQUEST_MEDIA_TYPE) {
      if (settings.required)
        throw invalidRequest(`registration requests must be signed (${SIGNED_REQUEST_MEDIA_TYPE})`);
      return admission;
    }
    const jws = request.body;
    if (typeof jws !== 'string') throw invalidRequest('the signed request is empty');
    const unverified = readClaims(jws);
    const statement = await deps.verifyStatement(statementIn(unverified));
    const softwareId = statement.claims.software_id;
    if (typeof softwareId !== 'string' || softwareId === '')
      throw invalidStatement('the software statement has no software_id to sign requests as');
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(jws, await keysOf(statement), {
        algorithms: [...settings.algorithms],
        issuer: softwareId,
        audience: request.endpoint,
        maxTokenAge: settings.maxAgeSeconds,
        clockTolerance: settings.clockSkewSeconds,
        requiredClaims: ['exp', 'iat', 'jti'],
      }));
    } catch (error) {
      if (error instanceof GatewayError) throw error;
      throw requestRefused(error);
    }
    const nowSeconds = Math.floor(Date.now() / 1000);
    if (claims.exp! > nowSeconds + settings.maxAgeSeconds + settings.clockSkewSeconds)
      throw invalidRequest(
        `the signed request is valid for longer than ${settings.maxAgeSeconds}s`,
      );
    if (typeof claims.jti !== 'string' || claims.jti === '')
      throw invalidRequest('the signed request jti must be a non-empty string');
    await deps.singleUse.consume(`${statement.claims.iss} ${softwareId} ${claims.jti}`, claims.exp);
    return admitStatement(admission, claims, statement);
  };
}

/** The request's claims, unverified: enough to find the statement whose key verifies it. */
function readClaims(jws: string): JWTPayload {
  try {
    return decodeJwt(jws);
  } catch {
    throw invalidRequest('the signed request is not a JWT');
  }
}

function statementIn(claims: JWTPayload): string {
  const statement = claims.software_statement;
  if (statement === undefined)
    throw invalidStatement('the signed request carries no software_statement');
  if (typeof statement !== 'string')
    throw invalidStatement('software_statement must be a signed JWT');
  return statement;
}

const isKeySet = (value: unknown): value is JSONWebKeySet =>
  typeof value === 'object' && value !== null && Array.isArray((value as { keys?: unknown }).keys);

/** Why jose refused the request, as the caller may read it. */
function requestRefused(error: unknown): GatewayError {
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys)
    return invalidRequest('the signed request is not signed by a key of the software statement');
  return invalidRequest(`the signed request is invalid: ${joseReason(error)}`);
}
