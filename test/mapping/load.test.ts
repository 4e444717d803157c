import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileError, parseYaml } from '../../src/lib/yaml-source.js';
import { loadMapping, loadMappingSource } from '../../src/mapping/index.js';

const BUNDLED = resolve(import.meta.dirname, '../../mappings/rfc7591.yaml');
const STANDARD = readFileSync(BUNDLED, 'utf8');
const RULE_NAMES =
  'rename, set, default, copy, drop, keep, enum_map, scope_to_list, list_to_scope, to_string, ' +
  'to_number, to_boolean, millis_to_seconds, drop_empty, bcp47_case';

const load = (text: string) => loadMappingSource(parseYaml('m.yaml', text));

/** The loader's message for `text`, which it must refuse. */
function refusal(text: string): string {
  try {
    load(text);
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

/** `m.yaml:LINE:COLUMN` where `needle` first starts in `text`, `offset` characters into it. */
function at(text: string, needle: string, offset = 0): string {
  const index = text.indexOf(needle);
  expect(index, `${needle} is in the text`).toBeGreaterThanOrEqual(0);
  const lines = text.slice(0, index + offset).split('\n');
  return `m.yaml:${lines.length}:${lines.at(-1)!.length + 1}`;
}

const CREATE_PATH = "path: '{param.registration_path}'";
const READ_BEARER = "auth: { bearer: '{var.registration_access_token}' }\n        expect: [200]";
const CREATE_KEEP = 'keep: [registration_access_token, registration_client_uri]';

describe('loading a mapping', () => {
  it('loads, compiles and deeply freezes the bundled standard mapping', () => {
    const mapping = loadMapping(BUNDLED);
    expect(mapping.id).toBe('rfc7591');
    expect(mapping.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(Object.keys(mapping.operations)).toStrictEqual(['create', 'read', 'update', 'delete']);
    expect(mapping.examples).toHaveLength(3);
    for (const part of [
      mapping,
      mapping.operations,
      mapping.operations.create!.calls,
      mapping.operations.create!.calls[0],
      mapping.capabilities.grant_types,
      mapping.parameters.registration_path,
      mapping.examples[0]!.calls[0]!.request,
    ])
      expect(Object.isFrozen(part)).toBe(true);
    expect(() => (mapping.capabilities.grant_types as string[]).push('password')).toThrow(
      TypeError,
    );
  });

  it('hashes the text, so an edited mapping never reads cache entries of the old one', () => {
    expect(load(STANDARD).hash).toBe(loadMapping(BUNDLED).hash);
    expect(load(`${STANDARD}# edited\n`).hash).not.toBe(load(STANDARD).hash);
  });

  it('lets result rules use what their own call captured', () => {
    const text = edited(
      'result: {}',
      "result: { rules: [{ set: { uri: '{var.registration_client_uri}' } }] }",
    );
    expect(load(text).operations.create!.calls[0]!.result).toBeTypeOf('function');
  });

  it('captures own members and array indexes of the vendor body only', () => {
    const text = edited(
      'registration_client_uri: registration_client_uri\n        result',
      'registration_client_uri: links.0.toString\n        result',
    ).replace('client_id: client_id', 'client_id: ids.0');
    const { capture } = load(text).operations.create!.calls[0]!;
    expect(capture({ ids: ['c1'], links: [{}] })).toStrictEqual({ client_id: 'c1' });
    expect(capture({ ids: 'c1' })).toStrictEqual({});
  });
});

describe('refusing a mapping: file, line, column, path and expectation', () => {
  it('YAML syntax errors and duplicate keys', () => {
    expect(refusal('format_version: 1\nid: [unclosed\n')).toBe(
      'm.yaml:3:1: Flow sequence in block collection must be sufficiently indented and end with a ]',
    );
    expect(refusal('format_version: 1\nformat_version: 1\n')).toBe(
      'm.yaml:2:1: Map keys must be unique',
    );
    expect(refusal('id: *nowhere\n')).toBe(
      'm.yaml: Unresolved alias (the anchor must be set before the alias): nowhere',
    );
  });

  it('a wrong format_version and an unknown top-level key, reported together', () => {
    const text = edited('format_version: 1', 'format_version: 2\nsurprise: true');
    expect(refusal(text)).toBe(
      [
        'm.yaml:2:17: format_version: Invalid input: expected 1',
        'm.yaml:3:1: (top level): Unrecognized key: "surprise"',
      ].join('\n'),
    );
  });

  it('a call with both path and url', () => {
    const text = edited(CREATE_PATH, `${CREATE_PATH}\n        url: '{var.x}'`);
    expect(refusal(text)).toBe(
      `${at(text, '- name: register', 2)}: operations.create.calls.0: exactly one of path, resource or url`,
    );
  });

  it('an unknown transform, and a known one with a wrong value', () => {
    const unknown = edited(
      '- set: { client_id:',
      '- squash: [client_id]\n            - set: { client_id:',
    );
    expect(refusal(unknown)).toBe(
      `${at(unknown, 'squash')}: operations.update.calls.0.body.rules.0: expected an object with exactly one of: ${RULE_NAMES}`,
    );
    const wrong = edited("- set: { client_id: '{var.client_id}' }", '- drop: client_id');
    expect(refusal(wrong)).toBe(
      `${at(wrong, 'drop:')}: operations.update.calls.0.body.rules.0: drop: Invalid input: expected array, received string`,
    );
  });

  it('a condition pattern that is no regular expression', () => {
    const text = edited(
      "- set: { client_id: '{var.client_id}' }",
      "- set: { client_id: '{var.client_id}' }\n              when: { client_name: { matches: '(' } }",
    );
    expect(refusal(text)).toBe(
      `${at(text, "'('")}: operations.update.calls.0.body.rules.0.when.client_name.matches: a JavaScript regular expression`,
    );
  });

  it('a malformed template, where it is written', () => {
    const inPath = edited(CREATE_PATH, "path: '/{foo}'");
    expect(refusal(inPath)).toBe(
      `${at(inPath, "'/{foo}'")}: operations.create.calls.0.path: "{foo}" is not {param.NAME} or {var.NAME}`,
    );
    const inRule = edited("{ client_id: '{var.client_id}' }", "{ client_id: '{client}' }");
    expect(refusal(inRule)).toBe(
      `${at(inRule, "'{client}'")}: operations.update.calls.0.body.rules.0.set.client_id: "{client}" is not {param.NAME} or {var.NAME}`,
    );
  });

  it('an undeclared parameter', () => {
    const text = edited(CREATE_PATH, "path: '{param.nope}'");
    expect(refusal(text)).toBe(
      `${at(text, "'{param.nope}'")}: operations.create.calls.0.path: {param.nope} is not declared under parameters`,
    );
  });

  it('a token_path naming a var, an undeclared parameter or one that may be unset', () => {
    const withTokenPath = (path: string, parameters = '') =>
      edited(
        'admin_auth:\n  kind: bearer\n  optional: true # open registration backends need no initial access token',
        `admin_auth: { kind: client_credentials, token_path: '${path}' }`,
      ).replace('parameters:\n', `parameters:\n${parameters}`);
    const realm = '  realm: { description: the realm path, default: /realms/root }\n';
    const rendered = load(withTokenPath('{param.realm}/access_token', realm));
    expect(rendered.adminAuthFor({ realm: '/realms/root/realms/a' })).toStrictEqual({
      kind: 'client_credentials',
      token_path: '/realms/root/realms/a/access_token',
      client_auth: 'client_secret_basic',
      refused: [{ status: [401] }],
    });
    const cases: [string, string, string][] = [
      ['/x/{var.x}', '', '{var.x}: token_path may name parameters only'],
      ['{param.nope}/token', '', '{param.nope} is not declared under parameters'],
      [
        '{param.unset}/token',
        '  unset: { description: no default }\n',
        '{param.unset} may be unset: make the parameter required, give it a default, or a fallback',
      ],
    ];
    for (const [path, parameters, message] of cases) {
      const text = withTokenPath(path, parameters);
      expect(refusal(text)).toBe(`${at(text, `'${path}'`)}: admin_auth.token_path: ${message}`);
    }
  });

  it('a var neither kept in the RAT nor captured earlier', () => {
    const read = edited(READ_BEARER, READ_BEARER.replace('registration_access_token', 'sauce'));
    expect(refusal(read)).toBe(
      `${at(read, "'{var.sauce}'")}: operations.read.calls.0.auth.bearer: {var.sauce} is neither kept in the RAT nor captured before it is used`,
    );
    // In create nothing is kept yet: the first call cannot use what it will capture.
    const create = edited(CREATE_PATH, "path: '{param.registration_path}/{var.client_id}'");
    expect(refusal(create)).toMatch(
      /^m\.yaml:\d+:15: operations\.create\.calls\.0\.path: \{var\.client_id\} is neither kept/,
    );
    const from = edited(
      'from: metadata\n          rules',
      'from: { var: current }\n          rules',
    );
    expect(refusal(from)).toBe(
      `${at(from, 'current }')}: operations.update.calls.0.body.from.var: var current is not available here`,
    );
  });

  it('a parameter a template uses that may be unset, unless a fallback follows it', () => {
    const unset = edited('    default: /register\n', '');
    expect(refusal(unset)).toBe(
      `${at(unset, CREATE_PATH).replace(/:\d+$/, ':15')}: operations.create.calls.0.path: {param.registration_path} may be unset: make the parameter required, give it a default, or a fallback`,
    );
    const fallback = edited(`    default: /register\n`, '').replace(
      CREATE_PATH,
      "path: '{param.registration_path|var.nothing}'",
    );
    expect(refusal(fallback)).toMatch(/\{var\.nothing\} is neither kept in the RAT nor captured/);
  });

  it('creates outside create, reserved headers and relative resources', () => {
    const update = edited('        method: PUT\n', '        method: PUT\n        creates: true\n');
    expect(refusal(update)).toMatch(
      /^m\.yaml:\d+:7: operations\.update\.calls: only create calls create the client$/,
    );
    const header = edited(
      '        method: POST\n',
      "        method: POST\n        headers: { Authorization: 'Basic x' }\n",
    );
    expect(refusal(header)).toMatch(
      /operations\.create\.calls\.0\.headers\.Authorization: Accept, Content-Type and Authorization are set by the gateway \(see auth\)$/,
    );
    const resource = edited(
      'operations:\n',
      "resources: { client: 'clients/{var.id}' }\noperations:\n",
    );
    expect(refusal(resource)).toMatch(
      /resources\.client: a path starting with \/ \(or with a \{param\.NAME\} holding one\)$/,
    );
  });

  it('a 404 or 410 as success anywhere but a compensating call', () => {
    const text = edited('expect: [201]', 'expect: [201, 404]');
    expect(refusal(text)).toBe(
      `${at(text, 'expect: [201, 404]', 8)}: operations.create.calls.0.expect: only compensating calls may expect 404 or 410 (the client is already gone)`,
    );
    const compensating = edited(
      'operations:\n  create:\n    calls:',
      'operations:\n  create:\n    compensate:\n      calls:\n        - { name: undo, method: DELETE, path: /x, expect: [204, 404, 410] }\n    calls:',
    );
    expect(load(compensating).operations.create.compensate?.[0]?.expect).toStrictEqual(
      new Set([204, 404, 410]),
    );
  });

  it('a create that captures no client_id', () => {
    const text = edited('          client_id: client_id\n', '');
    expect(refusal(text)).toBe(
      `${at(text, 'calls:')}: operations.create: a create call must capture client_id (or the mapping generate it)`,
    );
  });

  it('an operation without exactly one result call (none for delete)', () => {
    const two = edited(
      'result: {}\n',
      "result: {}\n      - name: again\n        method: GET\n        url: '{var.registration_client_uri}'\n        expect: [200]\n        result: {}\n",
    );
    expect(refusal(two)).toBe(
      `${at(two, 'calls:')}: operations.create: needs exactly one call with result, found 2`,
    );
    const none = edited(
      '        capture:\n          registration_access_token: registration_access_token\n        result: {}\n    keep: [registration_access_token]\n\n  update:',
      '    keep: [registration_access_token]\n\n  update:',
    );
    expect(refusal(none)).toMatch(
      /^m\.yaml:\d+:5: operations\.read: needs exactly one call with result, found 0$/,
    );
    const deleted = edited('expect: [204]', 'expect: [204]\n        result: {}');
    expect(refusal(deleted)).toMatch(
      /^m\.yaml:\d+:5: operations\.delete: no call may have a result, found 1$/,
    );
  });

  it('a kept var that the operation cannot keep', () => {
    const text = edited(CREATE_KEEP, CREATE_KEEP.replace(']', ', ghost]'));
    expect(refusal(text)).toBe(
      `${at(text, 'ghost')}: operations.create.keep.2: ghost is not a var this operation can keep`,
    );
    const read = edited(
      'keep: [registration_access_token]',
      'keep: [registration_access_token, entity]',
    );
    expect(refusal(read)).toMatch(
      /^m\.yaml:\d+:39: operations\.read\.keep\.1: entity is not a var this operation can keep$/,
    );
  });

  it('a url that is not exactly one var', () => {
    const text = edited(
      `url: '{var.registration_client_uri}'\n        ${READ_BEARER}`,
      `url: 'https://idp.example/{var.client_id}'\n        ${READ_BEARER}`,
    );
    expect(refusal(text)).toBe(
      `${at(text, "'https://idp.example/{var.client_id}'")}: operations.read.calls.0.url: url must be exactly one {var.NAME} captured from the vendor`,
    );
  });

  it('every cross-reference problem at once', () => {
    const text = edited(CREATE_PATH, "path: '{param.nope}'").replace(
      CREATE_KEEP,
      CREATE_KEEP.replace(']', ', ghost]'),
    );
    expect(refusal(text).split('\n')).toStrictEqual([
      expect.stringMatching(
        /^m\.yaml:\d+:\d+: operations\.create\.calls\.0\.path: \{param\.nope\}/,
      ),
      expect.stringMatching(/^m\.yaml:\d+:\d+: operations\.create\.keep\.2: ghost is not/),
    ]);
  });

  it.each([
    ['auth', 'auth: admin', 'auth: root', 'root', 'expected admin, none or { bearer: TEMPLATE }'],
    [
      'body.from',
      'body: { from: metadata }',
      'body: { from: request }',
      'request',
      'expected metadata, empty or { var: NAME }',
    ],
    ['expect.0', 'expect: [201]', 'expect: [302]', '302', 'Too big: expected number to be <=299'],
  ])('a wrong create call member: %s', (path, from, to, value, message) => {
    const text = edited(from, to);
    expect(refusal(text)).toBe(
      `${at(text, to, to.indexOf(value))}: operations.create.calls.0.${path}: ${message}`,
    );
  });
});
