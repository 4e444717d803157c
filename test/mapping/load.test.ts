import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileError, parseYaml } from '../../src/config/yaml-source.js';
import { loadMapping, loadMappingSource } from '../../src/mapping/index.js';

const BUNDLED = resolve(import.meta.dirname, '../../mappings/rfc7591.yaml');
const STANDARD = readFileSync(BUNDLED, 'utf8');

function problems(text: string): string {
  try {
    loadMappingSource(parseYaml('m.yaml', text));
  } catch (error) {
    if (error instanceof FileError) return error.message;
    throw error;
  }
  throw new Error('expected the mapping to be refused');
}

/** The bundled mapping with one piece of text replaced; fails loudly if the piece is missing. */
function edited(from: string, to: string): string {
  expect(STANDARD).toContain(from);
  return STANDARD.replace(from, to);
}

describe('loadMapping', () => {
  it('loads, compiles and freezes the bundled standard mapping', () => {
    const mapping = loadMapping(BUNDLED);
    expect(mapping.id).toBe('rfc7591');
    expect(mapping.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(Object.keys(mapping.operations)).toStrictEqual(['create', 'read', 'update', 'delete']);
    expect(Object.isFrozen(mapping)).toBe(true);
    expect(Object.isFrozen(mapping.capabilities.grant_types)).toBe(true);
    expect(Object.isFrozen(mapping.operations.create!.calls[0])).toBe(true);
  });

  it('reports YAML syntax errors and duplicate keys with their line', () => {
    expect(problems('format_version: 1\nid: [unclosed\n')).toMatch(/^m\.yaml:\d+:\d+: /);
    expect(problems('format_version: 1\nformat_version: 1\n')).toMatch(
      /^m\.yaml:2:1: Map keys must be unique/,
    );
  });

  it('names file, line, path and expectation for every schema problem at once', () => {
    const text = edited('format_version: 1', 'format_version: 2\nsurprise: true');
    expect(problems(text).split('\n')).toStrictEqual([
      'm.yaml:2:17: format_version: Invalid input: expected 1',
      'm.yaml:2:1: (top level): Unrecognized key: "surprise"',
    ]);
  });

  it.each([
    [
      'a call with both path and url',
      [
        "path: '{param.registration_path}'",
        "path: '{param.registration_path}'\n        url: '{var.x}'",
      ],
      /operations\.create\.calls\.0: exactly one of path or url/,
    ],
    [
      'an unknown transform',
      ['- set: { client_id:', '- squash: [client_id]\n            - set: { client_id:'],
      /m\.yaml:\d+:\d+: operations\.update\.calls\.0\.body\.rules\.0: /,
    ],
    [
      'a malformed template',
      ["path: '{param.registration_path}'", "path: '/{foo}'"],
      /"\{foo\}" is not \{param\.NAME\} or \{var\.NAME\}/,
    ],
    [
      'an undeclared parameter',
      ["path: '{param.registration_path}'", "path: '{param.nope}'"],
      /m\.yaml:\d+:\d+: operations\.create\.calls\.0: \{param\.nope\} is not declared under parameters/,
    ],
    [
      'a var nobody captured',
      [
        "auth: { bearer: '{var.registration_access_token}' }\n        expect: [200]",
        "auth: { bearer: '{var.secret_sauce}' }\n        expect: [200]",
      ],
      /operations\.read\.calls\.0: \{var\.secret_sauce\} is neither kept in the RAT nor captured by an earlier call/,
    ],
    [
      'a create that captures no client_id',
      ['          client_id: client_id\n', ''],
      /operations\.create: a create call must capture client_id/,
    ],
    [
      'a read without a result call',
      [
        '        capture:\n          registration_access_token: registration_access_token\n        result: {}\n    keep: [registration_access_token]\n\n  update:',
        '    keep: [registration_access_token]\n\n  update:',
      ],
      /operations\.read: needs exactly 1 call with result, found 0/,
    ],
    [
      'a kept var that is not captured',
      [
        'keep: [registration_access_token, registration_client_uri]',
        'keep: [registration_access_token, registration_client_uri, ghost]',
      ],
      /operations\.create\.keep: ghost is not a var this operation can keep/,
    ],
    [
      'a url that is not one captured var',
      [
        "url: '{var.registration_client_uri}'\n        auth: { bearer: '{var.registration_access_token}' }\n        expect: [200]",
        "url: 'https://idp.example/{var.client_id}'\n        auth: { bearer: '{var.registration_access_token}' }\n        expect: [200]",
      ],
      /operations\.read\.calls\.0\.url: url must be exactly one \{var\.NAME\} captured from the vendor/,
    ],
  ])('refuses %s', (_name, [from, to], message) => {
    expect(problems(edited(from!, to!))).toMatch(message);
  });
});
