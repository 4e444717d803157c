/** JWS algorithms (RFC 7518 §3.1, RFC 8037) verified with a public key from a JWKS. */
export const ASYMMETRIC_JWS_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;
export type AsymmetricJwsAlgorithm = (typeof ASYMMETRIC_JWS_ALGORITHMS)[number];

/** JWS algorithms verified with a shared secret; never with a key from a JWKS. */
export const HMAC_JWS_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
export type HmacJwsAlgorithm = (typeof HMAC_JWS_ALGORITHMS)[number];
