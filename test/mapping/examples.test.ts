import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLED_MAPPINGS } from '../../src/config/load.js';
import { parseYaml } from '../../src/lib/yaml-source.js';
import { loadMapping, loadMappingSource } from '../../src/mapping/index.js';
import { runExamples } from '../../src/pipeline/examples.js';

/**
 * Every shipped mapping's examples run through the live operation runner and normalizer. The
 * runner must also be able to fail: each wrong example below is a real mapping with one
 * expectation changed, and must be reported.
 */
const FILES = readdirSync(BUNDLED_MAPPINGS).filter((name) => /\.ya?ml$/.test(name));
const STANDARD = readFileSync(join(BUNDLED_MAPPINGS, 'rfc7591.yaml'), 'utf8');
const CREATE = "create sends the registered metadata and keeps the vendor's management handles";
const UPDATE = "update replaces the record at the vendor's URI with the client_id set";
const DEAD_RAT = 'a dead vendor RAT is an invalid gateway RAT';

describe('mapping examples', () => {
  it('finds the bundled mappings', () => {
    expect(FILES).toContain('rfc7591.yaml');
  });

  it.each(FILES)('%s: every example holds', async (name) => {
    const mapping = loadMapping(join(BUNDLED_MAPPINGS, name));
    expect(mapping.examples.length).toBeGreaterThan(0);
    expect(await runExamples(mapping)).toStrictEqual([]);
  });

  it.each([
    [
      'a request the mapping does not send',
      ['url: /register', 'url: /registry'],
      [
        new RegExp(
          `^${CREATE}: call register sent \\{"method":"POST","url":"https://idp\\.example/register",.*\\}, expected \\{"method":"POST","url":"https://idp\\.example/registry",.*\\}$`,
        ),
      ],
    ],
    [
      'a result the normalizer does not produce',
      [
        'client_secret: s1\n      client_id_issued_at',
        'client_secret: s2\n      client_id_issued_at',
      ],
      [new RegExp(`^${CREATE}: result \\{.*"client_secret":"s1".*\\}, expected \\{.*"s2".*\\}$`)],
    ],
    [
      'another error than the one the rules give',
      ['    error: invalid_token', '    error: invalid_client_metadata'],
      [`${DEAD_RAT}: failed with invalid_token, expected invalid_client_metadata`],
    ],
    [
      'an error where the operation succeeds',
      [
        '      application_type: web\n\n  - name: a dead',
        '      application_type: web\n    error: invalid_token\n\n  - name: a dead',
      ],
      [`${UPDATE}: expected error invalid_token, the operation succeeded`],
    ],
    [
      'a call the mapping never makes',
      [
        '    error: invalid_token',
        '      - request: { method: GET, url: https://idp.example/again }\n' +
          '        response: { status: 200, body: {} }\n' +
          '    error: invalid_token',
      ],
      [`${DEAD_RAT}: 1 expected call(s) never made`],
    ],
    [
      'a call the example did not record',
      [
        '    keep: [registration_access_token, registration_client_uri]',
        "      - name: again\n        method: GET\n        url: '{var.registration_client_uri}'\n" +
          '        expect: [200]\n' +
          '    keep: [registration_access_token, registration_client_uri]',
      ],
      [
        `${CREATE}: unexpected extra call again`,
        // the failed create is compensated, and that call was not recorded either
        `${CREATE}: unexpected extra call delete`,
      ],
    ],
  ])('reports %s', async (_name, [from, to], expected) => {
    await expectFailures(STANDARD, from!, to!, expected);
  });
});

/**
 * The fixtures' examples drive the same adapter through the rest of the format (generated
 * values, the field table, echo, resources, conditional rules, compensation, read-modify-write)
 * and check what the standard mapping's examples cannot: headers, credentials, kept state and
 * compensating calls.
 */
const FIXTURES = join(import.meta.dirname, '../fixtures');
const GENERATED = readFileSync(join(FIXTURES, 'generated-credentials.yaml'), 'utf8');
const FIRST = 'create generates the id and secret, nests options, reads the client back';
const PUBLIC = 'a public client gets no secret, and none becomes public + requirePKCE';
const ORPHAN = 'a create that cannot be read back is removed by its own compensating call';

describe('fixture examples', () => {
  it.each(['generated-credentials.yaml', 'multi-call.yaml'])(
    '%s: every example holds',
    async (name) => {
      const mapping = loadMapping(join(FIXTURES, name));
      expect(mapping.examples.length).toBeGreaterThan(2);
      expect(await runExamples(mapping)).toStrictEqual([]);
    },
  );

  it.each([
    [
      'a header the call does not send',
      ['headers: { x-request-origin: dcr-gateway }', 'headers: { x-request-origin: other }'],
      [
        new RegExp(
          `^${FIRST}: call add sent .*"headers":\\{"x-request-origin":"dcr-gateway"\\}.*, expected .*"other".*$`,
        ),
      ],
    ],
    [
      'a credential the call does not carry',
      ['          auth: admin\n', '          auth: none\n'],
      [new RegExp(`^${FIRST}: call add sent .*"auth":"admin".*, expected .*"auth":"none".*$`)],
    ],
    [
      'a kept state the operation does not keep',
      [
        'registered: { token_endpoint_auth_method: none, application_type: native }',
        'registered: { token_endpoint_auth_method: none }',
      ],
      [
        `${PUBLIC}: kept {"conf_key":"dcr-f00d","registered":{"token_endpoint_auth_method":"none","application_type":"native"}}, expected {"conf_key":"dcr-f00d","registered":{"token_endpoint_auth_method":"none"}}`,
      ],
    ],
    [
      'a compensating call the example did not record',
      [
        '      - request: { method: DELETE, url: /providers/oidc/rp/dcr-dead }\n        response: { status: 204 }\n',
        '',
      ],
      [`${ORPHAN}: unexpected extra call remove_created`],
    ],
    [
      'a stored-fields filter without a member the example sends',
      ['    - client_name\n', ''],
      [
        new RegExp(
          `^${FIRST}: call add sent .*"options":\\{"refreshToken":1,"allowClientCredentialsGrant":0,"clientSecret":"s3cret","public":0,.*, expected .*"displayName":"Billing".*$`,
        ),
      ],
    ],
  ])('reports %s', async (_name, [from, to], expected) => {
    await expectFailures(GENERATED, from!, to!, expected);
  });
});

async function expectFailures(
  text: string,
  from: string,
  to: string,
  expected: readonly (string | RegExp)[],
): Promise<void> {
  expect(text).toContain(from);
  const mapping = loadMappingSource(parseYaml('m.yaml', text.replace(from, to)));
  const failures = await runExamples(mapping);
  expect(failures).toHaveLength(expected.length);
  expected.forEach((line, index) =>
    typeof line === 'string'
      ? expect(failures[index]).toBe(line)
      : expect(failures[index]).toMatch(line),
  );
}
