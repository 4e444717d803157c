import {
  compactDecrypt,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  importJWK,
  jwtVerify,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { GatewayError } from '../errors/index.js';
import {
  COMPACT_JOSE,
  COMPACT_JWS,
  isCompactJwe,
  MAX_SOFTWARE_STATEMENT_LENGTH,
} from '../lib/compact-jose.js';
import type { OutboundPolicy } from '../lib/outbound-url.js';
import type { VerifiedStatement } from './admission.js';
import { createKeySet, type KeySource } from './key-set.js';

/** A publisher whose statements the route accepts, as config resolved it. */
export interface StatementPublisher {
  readonly issuer: string;
  /** Its public keys (asymmetric algorithms only) or its shared secret (HMAC only). */
  readonly key:
    | { readonly kind: 'keys'; readonly keys: KeySource }
    | { readonly kind: 'secret'; readonly secret: Uint8Array };
  readonly algorithms: readonly string[];
  readonly requiredClaims: readonly string[];
  readonly clockSkewSeconds: number;
}

/** How a route verifies software statements (RFC 7591 §2.3). */
export interface SoftwareStatementSettings {
  readonly publishers: readonly StatementPublisher[];
  /** A registration without a statement is refused. */
  readonly required: boolean;
  /** The private JWK that decrypts JWE statements; without it, JWE statements are refused. */
  readonly decryptionKey?: JWK;
}

/** Verifies one statement as received; throws `invalid_` or `unapproved_software_statement`. */
export type StatementVerifier = (raw: string) => Promise<VerifiedStatement>;

/** Key management algorithms a private key decrypts with (RFC 7518 §4); never `dir` or PBES2. */
const KEY_MANAGEMENT_ALGORITHMS = [
  'RSA-OAEP',
  'RSA-OAEP-256',
  'RSA-OAEP-384',
  'RSA-OAEP-512',
  'ECDH-ES',
  'ECDH-ES+A128KW',
  'ECDH-ES+A192KW',
  'ECDH-ES+A256KW',
];

/** What an algorithm name looks like: only such a name is repeated in a refusal. */
const ALG_NAME = /^[A-Za-z0-9+_-]{1,20}$/;

/**
 * A statement verifier: at most MAX_SOFTWARE_STATEMENT_LENGTH characters, a compact JWS (or a
 * JWE decrypted with the route's key, around one), its `iss` a configured publisher (else
 * `unapproved_software_statement`), its `alg` one that publisher signs with (HMAC only for a
 * secret publisher, asymmetric only for a key set), signature, `exp`/`nbf`/`iat` within the
 * publisher's skew, and the publisher's required claims. The key comes from the publisher's
 * key set by `kid`/`alg`: `jku`, `x5u` and `jwk` headers are never followed or used.
 */
export function createStatementVerifier(
  settings: SoftwareStatementSettings,
  deps: { readonly outbound: OutboundPolicy },
): StatementVerifier {
  const publishers = new Map(
    settings.publishers.map((publisher) => [
      publisher.issuer,
      { ...publisher, verifyKey: verifyKeyOf(publisher, deps.outbound) },
    ]),
  );
  const decrypt = settings.decryptionKey && decrypter(settings.decryptionKey);
  return async (raw) => {
    if (raw.length > MAX_SOFTWARE_STATEMENT_LENGTH)
      throw invalidStatement(
        `software_statement must be at most ${MAX_SOFTWARE_STATEMENT_LENGTH} characters`,
      );
    if (!COMPACT_JOSE.test(raw)) throw invalidStatement('software_statement must be a signed JWT');
    let jws = raw;
    if (isCompactJwe(raw)) {
      if (decrypt === undefined)
        throw invalidStatement('encrypted software statements are not accepted here');
      jws = await decrypt(raw);
    }
    const { alg, iss } = peek(jws);
    const publisher = publishers.get(iss);
    if (publisher === undefined)
      throw new GatewayError(
        'unapproved_software_statement',
        'the software statement issuer is not approved here',
        { detail: `software statement iss ${JSON.stringify(iss.slice(0, 200))}` },
      );
    if (!publisher.algorithms.includes(alg))
      throw invalidStatement(
        `software_statement alg ${ALG_NAME.test(alg) ? alg : '(unnamed)'} is not accepted for its issuer`,
      );
    let claims: JWTPayload;
    try {
      const options = {
        issuer: publisher.issuer,
        algorithms: [...publisher.algorithms],
        clockTolerance: publisher.clockSkewSeconds,
        requiredClaims: [...publisher.requiredClaims],
      };
      ({ payload: claims } =
        typeof publisher.verifyKey === 'function'
          ? await jwtVerify(jws, publisher.verifyKey, options)
          : await jwtVerify(jws, publisher.verifyKey, options));
    } catch (error) {
      if (error instanceof GatewayError) throw error; // the publisher's key set is unavailable: 503
      throw invalidStatement(`software_statement cannot be verified: ${joseReason(error)}`);
    }
    if (typeof claims.iat === 'number' && claims.iat > nowSeconds() + publisher.clockSkewSeconds)
      throw invalidStatement('software_statement iat is in the future');
    return { raw, claims };
  };
}

/** The key a publisher's statements verify with: a key set resolver, or the shared secret. */
function verifyKeyOf(
  publisher: StatementPublisher,
  outbound: OutboundPolicy,
): JWTVerifyGetKey | Uint8Array {
  if (publisher.key.kind === 'secret') return publisher.key.secret;
  return createKeySet(publisher.key.keys, {
    outbound,
    field: 'software_statement.publishers.jwks',
  });
}

/** The header's `alg` and the claims' `iss`, read before verification to pick the publisher. */
function peek(jws: string): { alg: string; iss: string } {
  if (!COMPACT_JWS.test(jws)) throw invalidStatement('software_statement must be a signed JWT');
  let alg: unknown;
  let iss: unknown;
  try {
    alg = decodeProtectedHeader(jws).alg;
    iss = decodeJwt(jws).iss;
  } catch {
    throw invalidStatement('software_statement is not a well-formed JWT');
  }
  if (typeof alg !== 'string' || alg === '' || alg.toLowerCase() === 'none')
    throw invalidStatement('software_statement must be a signed JWT');
  if (typeof iss !== 'string' || iss === '')
    throw invalidStatement('software_statement has no iss');
  return { alg, iss };
}

/** Decrypts a compact JWE with the route's private key; its plaintext must be a compact JWS. */
function decrypter(jwk: JWK): (jwe: string) => Promise<string> {
  const keys = new Map<string, ReturnType<typeof importJWK>>();
  const keyFor = (alg: string) => {
    if (!keys.has(alg)) keys.set(alg, importJWK(jwk, alg));
    return keys.get(alg)!;
  };
  return async (jwe) => {
    let plaintext: Uint8Array;
    try {
      ({ plaintext } = await compactDecrypt(jwe, (header) => keyFor(header.alg), {
        keyManagementAlgorithms: KEY_MANAGEMENT_ALGORITHMS,
      }));
    } catch {
      throw invalidStatement('software_statement cannot be decrypted');
    }
    const jws = Buffer.from(plaintext).toString('utf8');
    if (!COMPACT_JWS.test(jws))
      throw invalidStatement('the encrypted software_statement must hold a signed JWT');
    return jws;
  };
}

/**
 * Why jose refused a JWT, in words a caller may read (error descriptions carry no quotes, so
 * jose's own messages are not used as they are).
 */
export function joseReason(error: unknown): string {
  if (error instanceof errors.JWTExpired || error instanceof errors.JWTClaimValidationFailed) {
    const { claim, reason } = error;
    if (reason === 'missing') return `the ${claim} claim is missing`;
    if (error instanceof errors.JWTExpired)
      return claim === 'exp' ? 'it has expired' : 'it is too old';
    if (claim === 'nbf') return 'it is not yet valid (nbf)';
    return `its ${claim} claim is not accepted`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return 'the signature does not verify';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no key matches its kid and alg';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'its alg is not accepted';
  return error instanceof errors.JOSEError ? error.code : 'it cannot be read';
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

export const invalidStatement = (description: string) =>
  new GatewayError('invalid_software_statement', description);
