import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { parseYaml } from '../../src/config/yaml-source.js';
import { loadMappingSource } from '../../src/mapping/index.js';
import { runOperation } from '../../src/pipeline/operation.js';

/** A vendor that cannot delete: RFC 7592 §2.3 says the management endpoint answers 405. */
it('answers an operation the mapping lacks with 405 and the methods it has', async () => {
  const standard = readFileSync(
    resolve(import.meta.dirname, '../../mappings/rfc7591.yaml'),
    'utf8',
  );
  const start = standard.indexOf('  delete:\n');
  const withoutDelete =
    standard.slice(0, start) + standard.slice(standard.indexOf('\nerrors:') + 1);
  const mapping = loadMappingSource(
    parseYaml('no-delete.yaml', withoutDelete.replace(/examples:[\s\S]*$/, '')),
  );
  const backend = {
    id: 'b',
    mapping,
    params: {},
    capabilities: mapping.capabilities,
    client: { send: () => Promise.reject(new Error('no vendor call expected')) },
  };
  await expect(runOperation(backend, 'delete', { client_id: 'c' }, {})).rejects.toMatchObject({
    code: 'method_not_allowed',
    status: 405,
    headers: { allow: 'GET, HEAD, PUT' },
  });
});
