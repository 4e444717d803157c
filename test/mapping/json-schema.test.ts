import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { mappingJsonSchema } from '../../src/mapping/json-schema.js';

const COMMITTED = resolve(import.meta.dirname, '../../mappings/schema.json');

/** Editors validate mapping files against the committed schema; it must be the loader's own. */
it('mappings/schema.json is generated from the mapping zod schema', () => {
  const committed: unknown = JSON.parse(readFileSync(COMMITTED, 'utf8'));
  expect(committed, 'mappings/schema.json is stale: run `npm run schema`').toStrictEqual(
    mappingJsonSchema(),
  );
});

it('describes what authors write: members with defaults are optional', () => {
  const schema = mappingJsonSchema();
  expect(schema).toMatchObject({
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://github.com/dcr-gateway/dcr-gateway/mappings/schema.json',
    title: 'dcr-gateway mapping file',
    type: 'object',
    additionalProperties: false,
  });
  expect(schema.required).toStrictEqual([
    'format_version',
    'id',
    'title',
    'admin_auth',
    'capabilities',
    'operations',
  ]);
});
