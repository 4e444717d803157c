import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LIMITS, validateMetadata } from '../../src/dcr/index.js';

/**
 * Validation costs linear work in the body and refuses what exceeds the size limits with a
 * clear invalid_client_metadata, whatever the body is made of.
 */
const refusal = (body: unknown) => {
  try {
    validateMetadata(body);
  } catch (error) {
    return error as { code: string; description: string };
  }
  return undefined;
};

const tag = fc.stringMatching(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,4})?$/);

describe('size limits', () => {
  it('refuses a body with more members than the limit, known or not, and takes any below it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 * LIMITS.members }), (count) => {
        const body = Object.fromEntries(
          Array.from({ length: count }, (_, index) => [`x_member_${index}`, index]),
        );
        const error = refusal(body);
        if (count > LIMITS.members)
          expect(error).toMatchObject({
            code: 'invalid_client_metadata',
            description: `the request has ${count} members; at most ${LIMITS.members} are accepted`,
          });
        else expect(error).toBeUndefined();
      }),
      { numRuns: 50 },
    );
  });

  it('keeps the first spelling of each locale variant, case-insensitively, as a reference does', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(tag, fc.string({ minLength: 1 })), { maxLength: 150 }),
        (pairs) => {
          const body: Record<string, string> = {};
          for (const [t, value] of pairs) body[`client_name#${t}`] = value;
          const expected: Record<string, string> = {};
          const seen = new Set<string>();
          for (const [key, value] of Object.entries(body)) {
            if (seen.has(key.toLowerCase())) continue;
            seen.add(key.toLowerCase());
            expected[key] = value;
          }
          expect(validateMetadata(body)).toStrictEqual(expected);
        },
      ),
    );
  });

  it.each(['redirect_uris', 'contacts', 'grant_types', 'request_uris', 'default_acr_values'])(
    'refuses %s with more entries than the limit',
    (field) => {
      fc.assert(
        fc.property(
          fc.integer({ min: LIMITS.listEntries + 1, max: 4 * LIMITS.listEntries }),
          (n) => {
            const entries = Array.from({ length: n }, (_, i) =>
              field === 'contacts' ? `a${i}@example.com` : `https://a.example/${i}`,
            );
            expect(refusal({ [field]: entries })).toMatchObject({
              description: `${field} must have at most ${LIMITS.listEntries} entries`,
            });
          },
        ),
        { numRuns: 10 },
      );
    },
  );

  it('refuses a URI longer than the limit in any URI member, and takes one at the limit', () => {
    const uri = (length: number) => `https://a.example/${'a'.repeat(length - 18)}`;
    for (const field of ['redirect_uris', 'request_uris', 'post_logout_redirect_uris']) {
      expect(refusal({ [field]: [uri(LIMITS.uriLength)] })).toBeUndefined();
      expect(refusal({ [field]: [uri(LIMITS.uriLength + 1)] })).toMatchObject({
        description: `${field} must contain URIs of at most ${LIMITS.uriLength} characters`,
      });
    }
    for (const field of ['client_uri', 'logo_uri', 'jwks_uri', 'sector_identifier_uri'])
      expect(refusal({ [field]: uri(LIMITS.uriLength + 1) })).toMatchObject({
        description: `${field} must contain URIs of at most ${LIMITS.uriLength} characters`,
      });
  });

  it('refuses a jwks with more keys than the limit', () => {
    const key = { kty: 'RSA', n: 'sXch', e: 'AQAB' };
    expect(refusal({ jwks: { keys: Array(LIMITS.jwksKeys).fill(key) } })).toBeUndefined();
    expect(refusal({ jwks: { keys: Array(LIMITS.jwksKeys + 1).fill(key) } })).toMatchObject({
      code: 'invalid_client_metadata',
      description: `jwks must have at most ${LIMITS.jwksKeys} keys`,
    });
  });
});
