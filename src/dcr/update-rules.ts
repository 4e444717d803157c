import { invalidRequest } from '../errors/index.js';
import { FORBIDDEN_IN_UPDATE } from './metadata.js';

/**
 * RFC 7592 §2.2 rules on an update body, checked before it is read as metadata: the body names
 * the client it replaces, carries none of the server-managed members, and may repeat the
 * current secret (returned here for the caller to compare; a client never chooses one).
 */
export function checkUpdateBody(body: unknown, clientId: string): { clientSecret?: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidRequest('the request body must be a JSON object');
  }
  const record = body as Record<string, unknown>;
  for (const field of FORBIDDEN_IN_UPDATE) {
    if (Object.hasOwn(record, field))
      throw invalidRequest(`${field} must not be sent in an update (RFC 7592 section 2.2)`);
  }
  if (record.client_id !== clientId) {
    throw invalidRequest('client_id must be present and equal to the client being updated');
  }
  const secret = record.client_secret;
  if (secret === undefined || secret === null) return {};
  if (typeof secret !== 'string') throw invalidRequest('client_secret must be a string');
  return { clientSecret: secret };
}
