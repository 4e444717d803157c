import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { loadMapping } from '../../src/mapping/index.js';
import { runExamples } from '../../src/pipeline/examples.js';

/**
 * The mapping format carries vendors that need more than one call per operation: the fixture
 * (nevisMeta-shaped) creates on one API, captures an internal id with a second call and keeps it
 * in the RAT, and updates by read-modify-write. Its examples run through the live operation
 * runner and normalizer.
 */
it('runs a multi-call mapping: captures, kept vars, route parameters, read-modify-write', async () => {
  const mapping = loadMapping(resolve(import.meta.dirname, '../fixtures/multi-call.yaml'));
  expect(mapping.operations.create.keep).toStrictEqual([{ name: 'entity_id', optional: false }]);
  expect(await runExamples(mapping)).toStrictEqual([]);
});
