import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { mappingJsonSchema } from '../../src/mapping/json-schema.js';

/** Editors validate mapping files against the committed schema; it must be the loader's own. */
it('mappings/schema.json is generated from the mapping zod schema (run `npm run schema` if not)', () => {
  const committed = JSON.parse(
    readFileSync(resolve(import.meta.dirname, '../../mappings/schema.json'), 'utf8'),
  );
  expect(committed).toStrictEqual(mappingJsonSchema());
});
