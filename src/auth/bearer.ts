import { missingToken } from '../errors/index.js';

/** The token of an `Authorization: Bearer` header (RFC 6750 §2.1); 401 without one. */
export function bearerToken(authorization: string | undefined): string {
  const match =
    authorization === undefined ? null : /^Bearer +([\x21-\x7e]+) *$/i.exec(authorization);
  if (match === null) throw missingToken();
  return match[1]!;
}
