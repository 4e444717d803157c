import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyPolicy,
  type Capabilities,
  type Metadata,
  type RegistrationMode,
} from '../../src/dcr/index.js';
import { GatewayError } from '../../src/errors/index.js';

/**
 * Substitute mode against generated backends and requests. The oracle below restates RFC 7591
 * §2.1 on its own, and finds what may be registered by a different route than the policy (peel
 * inconsistent values off until nothing changes), so the two can disagree.
 */
const GRANTS = [
  'authorization_code',
  'implicit',
  'refresh_token',
  'client_credentials',
  'urn:ietf:params:oauth:grant-type:device_code',
  'password',
];
const RESPONSE_TYPES = [
  'code',
  'id_token',
  'token',
  'code id_token',
  'code token',
  'id_token token',
  'code id_token token',
  'none',
];
/** What clients send: the registered values, and some in another word order. */
const SPELLINGS = [...RESPONSE_TYPES, 'id_token code', 'token id_token', 'token code id_token'];
const AUTH_METHODS = ['client_secret_basic'];
const WEB = { redirect_uris: ['https://a.example/cb'] };

/** A backend that supports everything: a request it refuses is wrong by itself. */
const EVERYTHING: Capabilities = {
  grant_types: GRANTS,
  response_types: RESPONSE_TYPES,
  token_endpoint_auth_methods: AUTH_METHODS,
};

const capabilities: fc.Arbitrary<Capabilities> = fc.record({
  grant_types: fc.subarray(GRANTS),
  response_types: fc.subarray(RESPONSE_TYPES),
  token_endpoint_auth_methods: fc.constant(AUTH_METHODS),
});

/** Either list may be left out, so the defaults derive it from the other. */
const request: fc.Arbitrary<Metadata> = fc
  .record({
    grant_types: fc.option(fc.shuffledSubarray(GRANTS), { nil: undefined }),
    response_types: fc.option(fc.shuffledSubarray(SPELLINGS), { nil: undefined }),
  })
  .map(({ grant_types, response_types }) => ({
    ...WEB,
    ...(grant_types === undefined ? {} : { grant_types }),
    ...(response_types === undefined ? {} : { response_types }),
  }));

type Outcome =
  { readonly registered: Metadata } | { readonly refused: { code: string; description: string } };

function outcome(metadata: Metadata, backend: Capabilities, mode?: RegistrationMode): Outcome {
  try {
    return { registered: applyPolicy(metadata, backend, mode) };
  } catch (error) {
    if (error instanceof GatewayError)
      return { refused: { code: error.code, description: error.description } };
    throw error;
  }
}

const words = (type: string): string[] => type.split(' ');
const sorted = (type: string): string => words(type).sort().join(' ');
const grantsOf = (metadata: Metadata) => metadata.grant_types as string[];
const typesOf = (metadata: Metadata) => metadata.response_types as string[];

/** RFC 7591 §2.1: which grant type each response type word is used with. */
const GRANT_OF_WORD: Readonly<Record<string, string>> = {
  code: 'authorization_code',
  token: 'implicit',
  id_token: 'implicit',
};

function consistent(grants: readonly string[], types: readonly string[]): boolean {
  const sent = new Set(types.flatMap(words));
  const pairedWords = Object.entries(GRANT_OF_WORD);
  const wordsHaveGrants = [...sent].every(
    (word) => GRANT_OF_WORD[word] === undefined || grants.includes(GRANT_OF_WORD[word]),
  );
  const grantsHaveWords = grants.every(
    (grant) =>
      !pairedWords.some(([, paired]) => paired === grant) ||
      pairedWords.some(([word, paired]) => paired === grant && sent.has(word)),
  );
  return wordsHaveGrants && grantsHaveWords;
}

/** The largest consistent part of what the backend supports: peel off values until stable. */
function largestConsistent(
  grants: readonly string[],
  types: readonly string[],
): { grants: string[]; types: string[] } {
  let keptGrants = [...grants];
  let keptTypes = [...types];
  for (;;) {
    const sent = new Set(keptTypes.flatMap(words));
    const nextTypes = keptTypes.filter((type) =>
      words(type).every(
        (word) => GRANT_OF_WORD[word] === undefined || keptGrants.includes(GRANT_OF_WORD[word]),
      ),
    );
    const nextGrants = keptGrants.filter(
      (grant) =>
        !Object.values(GRANT_OF_WORD).includes(grant) ||
        Object.entries(GRANT_OF_WORD).some(([word, paired]) => paired === grant && sent.has(word)),
    );
    if (nextTypes.length === keptTypes.length && nextGrants.length === keptGrants.length) {
      return { grants: keptGrants, types: keptTypes };
    }
    keptGrants = nextGrants;
    keptTypes = nextTypes;
  }
}

describe('substitute mode, property-based', () => {
  it('(a) never registers a grant or response type the backend lacks or the client did not ask for', () => {
    fc.assert(
      fc.property(capabilities, request, (backend, metadata) => {
        const substituted = outcome(metadata, backend);
        if (!('registered' in substituted)) return;
        const asked = applyPolicy(metadata, EVERYTHING, 'strict');
        const supportedTypes = backend.response_types.map(sorted);
        for (const grant of grantsOf(substituted.registered)) {
          expect(backend.grant_types).toContain(grant);
          expect(grantsOf(asked)).toContain(grant);
        }
        for (const type of typesOf(substituted.registered)) {
          expect(supportedTypes).toContain(sorted(type));
          expect(typesOf(asked)).toContain(type);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('(b) registers only consistent pairs, and strict either refuses or registers the same', () => {
    fc.assert(
      fc.property(capabilities, request, (backend, metadata) => {
        const substituted = outcome(metadata, backend);
        if (!('registered' in substituted)) return;
        const { registered } = substituted;
        expect(consistent(grantsOf(registered), typesOf(registered))).toBe(true);
        const strict = outcome(metadata, backend, 'strict');
        if ('registered' in strict) expect(strict.registered).toStrictEqual(registered);
      }),
      { numRuns: 500 },
    );
  });

  it('(c) refuses a sound request only when no grant or no response type of it would remain', () => {
    fc.assert(
      fc.property(capabilities, request, (backend, metadata) => {
        const sound = outcome(metadata, EVERYTHING, 'strict');
        fc.pre('registered' in sound);
        const asked = (sound as { registered: Metadata }).registered;
        const supportedTypes = backend.response_types.map(sorted);
        const want = largestConsistent(
          grantsOf(asked).filter((grant) => backend.grant_types.includes(grant)),
          typesOf(asked).filter((type) => supportedTypes.includes(sorted(type))),
        );
        const usable =
          (grantsOf(asked).length === 0 || want.grants.length > 0) &&
          (typesOf(asked).length === 0 || want.types.length > 0);
        const substituted = outcome(metadata, backend);
        if (usable) {
          expect(substituted).toStrictEqual({
            registered: { ...asked, grant_types: want.grants, response_types: want.types },
          });
        } else {
          expect(substituted).toStrictEqual(outcome(metadata, backend, 'strict'));
          expect(substituted).toHaveProperty('refused.code', 'invalid_client_metadata');
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('scope dropping, property-based', () => {
  const SCOPES = ['openid', 'profile', 'email', 'offline_access', 'mcp:tools', 'admin'];

  it('substitute keeps exactly the allowed values in order; strict refuses any other', () => {
    fc.assert(
      fc.property(
        fc.subarray(SCOPES),
        fc.shuffledSubarray(SCOPES, { minLength: 1 }),
        (allowlist, requested) => {
          const backend = { ...EVERYTHING, scopes: allowlist };
          const sent = { ...WEB, scope: requested.join(' ') };
          const kept = requested.filter((value) => allowlist.includes(value));
          const unknown = requested.filter((value) => !allowlist.includes(value));
          const unscoped = applyPolicy(WEB, EVERYTHING, 'strict');
          expect(applyPolicy(sent, backend)).toStrictEqual(
            kept.length > 0 ? { ...unscoped, scope: kept.join(' ') } : unscoped,
          );

          const strict = outcome(sent, backend, 'strict');
          if (unknown.length === 0) {
            expect(strict).toStrictEqual({ registered: applyPolicy(sent, backend) });
          } else {
            const offer =
              allowlist.length > 0 ? `supported: ${allowlist.join(', ')}` : 'it supports no scope';
            expect(strict).toStrictEqual({
              refused: {
                code: 'invalid_client_metadata',
                description: `scope value ${unknown.join(', ')} is not supported by this identity provider (${offer})`,
              },
            });
          }
        },
      ),
    );
  });
});
