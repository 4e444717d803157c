import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_ROUTES, openApiOf } from '../../src/app.js';
import {
  CLIENT_METADATA,
  clientMetadataSchema,
  validateMetadata,
  type FieldSpec,
} from '../../src/dcr/index.js';

const COMMITTED = resolve(import.meta.dirname, '../fixtures/openapi.json');

it('test/fixtures/openapi.json is the document the gateway serves for the example routes', () => {
  const committed: unknown = JSON.parse(readFileSync(COMMITTED, 'utf8'));
  expect(committed, 'test/fixtures/openapi.json is stale: run `npm run openapi`').toStrictEqual(
    openApiOf(EXAMPLE_ROUTES),
  );
});

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
const schemaAccepts = ajv.compile(clientMetadataSchema());

const uri = fc.constantFrom(
  'https://app.example/cb',
  'http://127.0.0.1:8400/',
  'com.example.app:/cb',
);
const valueOf: Record<FieldSpec['kind'], fc.Arbitrary<unknown>> = {
  string: fc.string({ maxLength: 20 }),
  web_uri: uri,
  https_uri: fc.constant('https://app.example/x'),
  uri_list: fc.array(uri, { maxLength: 2 }),
  redirect_uri_list: fc.array(uri, { minLength: 1, maxLength: 2 }),
  string_list: fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
  email_list: fc.array(fc.constant('ops@app.example'), { maxLength: 2 }),
  boolean: fc.boolean(),
  non_negative_integer: fc.integer({ min: 0, max: 86_400 }),
  jwks: fc.constant({ keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }] }),
  jws_alg: fc.constantFrom('RS256', 'ES256', 'PS256'),
  jwe_alg: fc.constantFrom('RSA-OAEP', 'ECDH-ES'),
  jwe_enc: fc.constantFrom('A128GCM', 'A256GCM'),
};
/** A member's value: usually of its kind, sometimes of another (the validator decides). */
const member = ([name, spec]: [string, FieldSpec]) =>
  fc
    .oneof(
      { weight: 4, arbitrary: spec.values ? fc.constantFrom(...spec.values) : valueOf[spec.kind] },
      { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.string(), fc.constant(null)) },
    )
    .map((value) => [name, value] as const);
const body = fc
  .subarray(Object.entries(CLIENT_METADATA), { minLength: 1, maxLength: 8 })
  .chain((fields) => fc.tuple(...fields.map(member)))
  .map((members) => Object.fromEntries(members));

const accepted = (metadata: unknown): boolean => {
  try {
    validateMetadata(metadata);
    return true;
  } catch {
    return false;
  }
};

describe('the ClientMetadata schema of the OpenAPI document', () => {
  it('accepts every registration body the gateway accepts', () => {
    fc.assert(
      fc.property(body, (metadata) => {
        if (accepted(metadata))
          expect(schemaAccepts(metadata), ajv.errorsText(schemaAccepts.errors)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('names every member of the metadata table, and refuses what is of the wrong type', () => {
    const { properties } = clientMetadataSchema() as { properties: Record<string, unknown> };
    expect(Object.keys(properties).sort()).toStrictEqual(Object.keys(CLIENT_METADATA).sort());
    expect(schemaAccepts({ redirect_uris: 'https://app.example/cb' })).toBe(false);
    expect(schemaAccepts({ require_auth_time: 'yes' })).toBe(false);
    expect(
      schemaAccepts({ redirect_uris: ['https://app.example/cb'], 'client_name#fr': 'Nom' }),
    ).toBe(true);
  });
});
