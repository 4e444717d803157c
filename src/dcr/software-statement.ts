import { GatewayError } from '../errors/index.js';
import { COMPACT_JOSE, MAX_SOFTWARE_STATEMENT_LENGTH } from '../lib/compact-jose.js';

export { MAX_SOFTWARE_STATEMENT_LENGTH } from '../lib/compact-jose.js';

/**
 * What a route does with a `software_statement` (RFC 7591 §2.3): `ignore` it, as a server
 * without statement support may (§3.1.1), or `pass_through` to an IdP that verifies it itself,
 * untouched. Verification by the gateway belongs to inbound authentication.
 */
export type SoftwareStatementMode = 'ignore' | 'pass_through';

/**
 * The statement of a registration body on a pass-through route, checked for shape only: a
 * compact JWS or JWE whose header names an algorithm other than `none` (RFC 7591 §2.3 wants
 * it signed). Its signature and claims are the IdP's to verify. Undefined when there is none.
 */
export function readSoftwareStatement(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || !Object.hasOwn(body, 'software_statement'))
    return undefined;
  const statement = (body as { software_statement: unknown }).software_statement;
  if (typeof statement !== 'string' || !COMPACT_JOSE.test(statement))
    throw invalidStatement('software_statement must be a signed JWT');
  if (statement.length > MAX_SOFTWARE_STATEMENT_LENGTH)
    throw invalidStatement(
      `software_statement must be at most ${MAX_SOFTWARE_STATEMENT_LENGTH} characters`,
    );
  if (!signedHeader(statement.slice(0, statement.indexOf('.'))))
    throw invalidStatement('software_statement must be a signed JWT');
  return statement;
}

function signedHeader(segment: string): boolean {
  try {
    const header: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    const alg = (header as { alg?: unknown } | null)?.alg;
    return typeof alg === 'string' && alg !== '' && alg.toLowerCase() !== 'none';
  } catch {
    return false;
  }
}

const invalidStatement = (description: string) =>
  new GatewayError('invalid_software_statement', description);
