import { invalidRequest } from '../errors/index.js';
import { depthOf, MAX_JSON_DEPTH } from '../lib/json-depth.js';
import type { Admission, InboundCheck, VerifiedStatement } from './admission.js';
import type { Principal } from './principal.js';
import { invalidStatement, type StatementVerifier } from './statement-verifier.js';

/** JWT claims about the statement (or a signed request) itself, never client metadata. */
const JWT_CLAIMS = ['iss', 'aud', 'exp', 'nbf', 'iat', 'jti'] as const;

/**
 * The software statement check (RFC 7591 §2.3, §3.1.1): the body's `software_statement`,
 * verified, its claims over the body's members. A request a signed-request check admitted
 * already carries its verified statement and is passed on. Without a statement the body goes
 * on as it is, unless the route requires one.
 */
export function softwareStatementCheck(
  verify: StatementVerifier,
  options: { readonly required: boolean },
): InboundCheck {
  return async (_request, admission) => {
    if (admission.statement !== undefined) return admission;
    const raw = statementOf(admission.body);
    if (raw === undefined) {
      if (options.required) throw invalidStatement('a software statement is required');
      return admission;
    }
    if (typeof raw !== 'string') throw invalidStatement('software_statement must be a signed JWT');
    return admitStatement(admission, admission.body as Record<string, unknown>, await verify(raw));
  };
}

/**
 * The admission of a verified statement: the metadata its claims over `members` (the JWT's own
 * claims and `software_statement` left out), and the principal named by its `software_id`
 * where no token named it.
 */
export function admitStatement(
  admission: Admission,
  members: Readonly<Record<string, unknown>>,
  statement: VerifiedStatement,
): Admission {
  const body: Record<string, unknown> = { ...members, ...statement.claims };
  for (const claim of [...JWT_CLAIMS, 'software_statement']) delete body[claim];
  // Claims bypass the JSON body's depth bound; deep nesting must not reach recursive code either.
  if (depthOf(body) > MAX_JSON_DEPTH)
    throw invalidRequest(`the registration claims nest deeper than ${MAX_JSON_DEPTH} levels`);
  const softwareId = statement.claims.software_id;
  return {
    ...admission,
    body,
    statement,
    principal:
      typeof softwareId === 'string' ? named(admission.principal, softwareId) : admission.principal,
  };
}

function named(principal: Principal, softwareId: string): Principal {
  if (principal.kind !== 'open') return { ...principal, softwareId };
  return { ...principal, kind: 'software_statement', key: `software:${softwareId}`, softwareId };
}

/** The body's `software_statement` member, if it is an object that has one. */
function statementOf(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  return Object.hasOwn(body, 'software_statement')
    ? (body as { software_statement: unknown }).software_statement
    : undefined;
}
