import { describe, expect, it } from 'vitest';
import { compileRules } from '../../src/mapping/rules.js';
import type { FieldRule } from '../../src/mapping/schema.js';
import { TemplateError } from '../../src/mapping/template.js';

const scope = {
  params: { setupId: 's/1', module: 'oauthv2' },
  vars: { entity: 'e/42', n: 7, list: ['a', 'b'], obj: { a: 1 } },
};
type Json = Record<string, unknown>;

describe('field rules', () => {
  it.each<[string, FieldRule[], Json, Json]>([
    [
      'rename, also over an existing member',
      [{ rename: { scope: 'scopes', name: 'client_name', absent: 'x' } }],
      { scope: 'a', name: 'n', client_name: 'old', k: 1 },
      { scopes: 'a', client_name: 'n', k: 1 },
    ],
    [
      'set: templates render, other JSON values are constants',
      [{ set: { setup: '{param.setupId}', id: 'x-{var.entity}', flag: true, tags: ['a'] } }],
      { flag: false },
      { flag: true, setup: 's/1', id: 'x-e/42', tags: ['a'] },
    ],
    [
      'set: a template that is one placeholder keeps the value type, with fallbacks',
      [
        {
          set: {
            count: '{var.n}',
            list: '{var.list}',
            first: '{var.none|var.n}',
            nested: '{var.obj}',
          },
        },
      ],
      {},
      { count: 7, list: ['a', 'b'], first: 7, nested: { a: 1 } },
    ],
    [
      'nested members, conditions and copies',
      [
        { set: { 'options.public': 1 }, when: { method: 'none' } },
        { set: { 'options.public': 0 }, unless: { method: 'none' } },
        { copy: { 'options.name': 'client_name' } },
        { drop: ['options.gone'], when: { grant_types: 'refresh_token' } },
      ],
      {
        method: 'none',
        client_name: 'n',
        grant_types: ['refresh_token'],
        options: { gone: 1, kept: 2 },
      },
      {
        method: 'none',
        client_name: 'n',
        grant_types: ['refresh_token'],
        options: { kept: 2, public: 1, name: 'n' },
      },
    ],
    [
      'default: only where the member is absent or undefined',
      [{ default: { client_name: 'dcr {var.n}', scope: 'openid', logo: 'l', uri: null } }],
      { scope: 'email', logo: undefined, uri: 'u' },
      { scope: 'email', logo: 'l', uri: 'u', client_name: 'dcr 7' },
    ],
    [
      'default: members named like Object.prototype properties are absent too',
      [{ default: { constructor: 'c', toString: 't' } }],
      {},
      { constructor: 'c', toString: 't' },
    ],
    [
      'a pattern condition: a string member, or any string in a list member; never a number',
      [
        { set: { native: true }, when: { uris: { matches: '^http:', ignore_case: false } } },
        { set: { named: true }, when: { name: { matches: '^abc$', ignore_case: true } } },
        { set: { cased: true }, when: { name: { matches: '^abc$', ignore_case: false } } },
        { set: { seven: true }, when: { n: { matches: '^7$', ignore_case: false } } },
        { set: { none: true }, unless: { uris: { matches: 'localhost', ignore_case: false } } },
      ],
      { uris: ['https://a.example/cb', 'http://127.0.0.1/cb'], name: 'ABC', n: 7 },
      {
        uris: ['https://a.example/cb', 'http://127.0.0.1/cb'],
        name: 'ABC',
        n: 7,
        native: true,
        named: true,
        none: true,
      },
    ],
    ['drop', [{ drop: ['a', 'b', 'absent'] }], { a: 1, b: 2, c: 3 }, { c: 3 }],
    ['keep', [{ keep: ['c', 'absent'] }], { a: 1, b: 2, c: 3 }, { c: 3 }],
    [
      'enum_map on strings and arrays; unknown values stay',
      [{ enum_map: { app: { web: 'WEB' }, types: { code: 'CODE' }, n: { '1': 'one' } } }],
      { app: 'web', types: ['code', 'token'], n: 1 },
      { app: 'WEB', types: ['CODE', 'token'], n: 1 },
    ],
    [
      'enum_map leaves other values alone',
      [{ enum_map: { app: { native: 'NATIVE' } } }],
      { app: 'web' },
      { app: 'web' },
    ],
    [
      'scope_to_list splits on spaces',
      [{ scope_to_list: { from: 'scope', to: 'scopes' } }],
      { scope: ' openid  email ' },
      { scopes: ['openid', 'email'] },
    ],
    [
      'scope_to_list moves a value that is already a list as it is',
      [{ scope_to_list: { from: 'scope', to: 'scopes' } }],
      { scope: ['openid'] },
      { scopes: ['openid'] },
    ],
    [
      'scope_to_list ignores an absent member',
      [{ scope_to_list: { from: 'scope', to: 'scopes' } }],
      { a: 1 },
      { a: 1 },
    ],
    [
      'list_to_scope joins with spaces',
      [{ list_to_scope: { from: 'scopes', to: 'scope' } }],
      { scopes: ['openid', 'email'] },
      { scope: 'openid email' },
    ],
    [
      'list_to_scope of an empty list is the empty string',
      [{ list_to_scope: { from: 'scopes', to: 'scope' } }],
      { scopes: [] },
      { scope: '' },
    ],
    [
      'to_string: numbers and booleans only',
      [{ to_string: ['par', 'n', 's', 'nil', 'absent'] }],
      { par: false, n: 0, s: 'x', nil: null },
      { par: 'false', n: '0', s: 'x', nil: null },
    ],
    [
      'to_number: numeric strings only',
      [{ to_number: ['a', 'b', 'c', 'd', 'e', 'f', 'absent'] }],
      { a: '0', b: 'x', c: '', d: ' 12 ', e: 'Infinity', f: '1.5' },
      { a: 0, b: 'x', c: '', d: 12, e: 'Infinity', f: 1.5 },
    ],
    [
      'to_boolean: exactly "true" and "false"',
      [{ to_boolean: ['a', 'b', 'c', 'd'] }],
      { a: 'true', b: 'false', c: 'TRUE', d: 1 },
      { a: true, b: false, c: 'TRUE', d: 1 },
    ],
    [
      'millis_to_seconds: from 1e11 on a number is milliseconds, below it seconds already',
      [{ millis_to_seconds: ['ms', 's', 'edge', 'below', 'zero', 'text'] }],
      { ms: 1732270000999, s: 1732270000, edge: 1e11, below: 99_999_999_999, zero: 0, text: '1' },
      { ms: 1732270000, s: 1732270000, edge: 1e8, below: 99_999_999_999, zero: 0, text: '1' },
    ],
    [
      'drop_empty: null, "" and [] only',
      [{ drop_empty: true }],
      { a: null, b: '', c: [], d: 0, e: false, f: {}, g: ' ' },
      { d: 0, e: false, f: {}, g: ' ' },
    ],
    [
      'bcp47_case: tags of the listed fields in canonical case, the first spelling of a tag wins',
      [{ bcp47_case: ['client_name', 'logo_uri'] }],
      {
        'client_name#ja-jpan-jp': 'a',
        'client_name#DE-ch': 'b',
        'client_name#de-CH': 'c',
        'logo_uri#SR-latn-rs-X-PRIV': 'd',
        'client_name#en-419': 'e',
        'tos_uri#de-ch': 'f',
        client_name: 'g',
        'client_name#a#b': 'h',
      },
      {
        'client_name#ja-Jpan-JP': 'a',
        'client_name#de-CH': 'b',
        'logo_uri#sr-Latn-RS-x-priv': 'd',
        'client_name#en-419': 'e',
        'tos_uri#de-ch': 'f',
        client_name: 'g',
        'client_name#a#b': 'h',
      },
    ],
    [
      'rules apply in order',
      [{ rename: { a: 'b' } }, { drop: ['a'] }, { default: { a: 2 } }],
      { a: 1 },
      { b: 1, a: 2 },
    ],
    ['no rules copy the record', [], { a: 1 }, { a: 1 }],
  ])('%s', (_name, rules, input, output) => {
    const before = structuredClone(input);
    const result = compileRules(rules)(input, scope);
    expect(result).toStrictEqual(output);
    expect(result).not.toBe(input);
    expect(input).toStrictEqual(before); // the input is never mutated
    const own = structuredClone(input);
    expect(compileRules(rules).inPlace(own, scope)).toBe(own); // in place: the same record,
    expect(own).toStrictEqual(output); // reshaped the same way
  });

  it('gives every call its own copy of constant values', () => {
    const apply = compileRules([{ set: { tags: ['a'] } }]);
    (apply({}, scope).tags as string[]).push('changed');
    expect(apply({}, scope)).toStrictEqual({ tags: ['a'] });
  });

  it('renders templates at apply time, and refuses a missing value then', () => {
    const apply = compileRules([{ set: { id: '{var.entity}' } }]);
    expect(apply({}, { params: {}, vars: { entity: 'e1' } })).toStrictEqual({ id: 'e1' });
    expect(() => apply({}, { params: {}, vars: {} })).toThrow(
      new TemplateError('{var.entity} has no value'),
    );
  });

  it('places each reference its templates make: [rule index, rule, member]', () => {
    expect(
      compileRules([
        { drop: ['x'] },
        { set: { a: '{param.setupId}', b: 'constant' } },
        { default: { c: '{var.entity}/{param.module}' } },
      ]).references,
    ).toStrictEqual([
      { namespace: 'param', name: 'setupId', at: [1, 'set', 'a'] },
      { namespace: 'var', name: 'entity', at: [2, 'default', 'c'] },
      { namespace: 'param', name: 'module', at: [2, 'default', 'c'] },
    ]);
  });

  it('refuses a malformed template at compile time, placed in the rule list', () => {
    let error: unknown;
    try {
      compileRules([{ drop: ['x'] }, { default: { a: 'ok', b: '{entity}' } }]);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TemplateError);
    expect(error).toMatchObject({
      message: '"{entity}" is not {param.NAME} or {var.NAME}',
      at: [1, 'default', 'b'],
    });
  });
});
