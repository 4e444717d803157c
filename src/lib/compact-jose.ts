/** Longest software statement accepted: a signed JWT of a few claims and a key set fits many times. */
export const MAX_SOFTWARE_STATEMENT_LENGTH = 32_768;

/** Compact JWS: three base64url segments, the payload not empty (RFC 7515 §7.1). */
export const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Compact JWS (three segments) or JWE (five), base64url each (RFC 7515 §7.1, RFC 7516 §7.1). */
export const COMPACT_JOSE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]*){2}((\.[A-Za-z0-9_-]*){2})?$/;

/** A compact JWE has five segments; a JWS three. */
export const isCompactJwe = (text: string): boolean => text.split('.').length === 5;
