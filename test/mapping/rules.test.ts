import { describe, expect, it } from 'vitest';
import { compileRules } from '../../src/mapping/rules.js';
import type { FieldRule } from '../../src/mapping/schema.js';
import { compileTemplate, TemplateError } from '../../src/mapping/template.js';

const scope = { params: { setupId: 's/1', module: 'oauthv2' }, vars: { entity: 'e/42', n: 7 } };
const apply = (rules: FieldRule[], record: Record<string, unknown>) =>
  compileRules(rules)(record, scope);

describe('field rules', () => {
  it.each<[string, FieldRule[], Record<string, unknown>, Record<string, unknown>]>([
    [
      'rename',
      [{ rename: { scope: 'scopes', absent: 'x' } }],
      { scope: 'a', k: 1 },
      { scopes: 'a', k: 1 },
    ],
    [
      'set (templates)',
      [{ set: { setup: '{param.setupId}', id: 'x-{var.entity}', flag: true } }],
      { flag: false },
      { flag: true, setup: 's/1', id: 'x-e/42' },
    ],
    [
      'default',
      [{ default: { client_name: 'dcr {var.n}', scope: 'openid' } }],
      { scope: 'email' },
      { scope: 'email', client_name: 'dcr 7' },
    ],
    ['drop', [{ drop: ['a', 'b'] }], { a: 1, b: 2, c: 3 }, { c: 3 }],
    ['keep', [{ keep: ['c'] }], { a: 1, b: 2, c: 3 }, { c: 3 }],
    [
      'enum_map on strings and arrays',
      [{ enum_map: { app: { web: 'WEB' }, types: { code: 'CODE' } } }],
      { app: 'web', types: ['code', 'token'] },
      { app: 'WEB', types: ['CODE', 'token'] },
    ],
    [
      'scope_to_list',
      [{ scope_to_list: { from: 'scope', to: 'scopes' } }],
      { scope: 'openid  email' },
      { scopes: ['openid', 'email'] },
    ],
    [
      'list_to_scope',
      [{ list_to_scope: { from: 'scopes', to: 'scope' } }],
      { scopes: ['openid', 'email'] },
      { scope: 'openid email' },
    ],
    [
      'to_string',
      [{ to_string: ['par', 'n', 's'] }],
      { par: false, n: 0, s: 'x' },
      { par: 'false', n: '0', s: 'x' },
    ],
    [
      'to_number',
      [{ to_number: ['a', 'b', 'c'] }],
      { a: '0', b: 'x', c: '' },
      { a: 0, b: 'x', c: '' },
    ],
    [
      'to_boolean',
      [{ to_boolean: ['a', 'b', 'c'] }],
      { a: 'true', b: 'false', c: 'yes' },
      { a: true, b: false, c: 'yes' },
    ],
    [
      'millis_to_seconds',
      [{ millis_to_seconds: ['ms', 's'] }],
      { ms: 1732270000123, s: 1732270000 },
      { ms: 1732270000, s: 1732270000 },
    ],
    [
      'drop_empty',
      [{ drop_empty: true }],
      { a: null, b: '', c: [], d: 0, e: false },
      { d: 0, e: false },
    ],
    ['rules in order', [{ rename: { a: 'b' } }, { drop: ['a'] }], { a: 1 }, { b: 1 }],
  ])('%s', (_name, rules, input, output) => {
    const frozen = structuredClone(input);
    expect(apply(rules, input)).toStrictEqual(output);
    expect(input).toStrictEqual(frozen); // the input is never mutated
  });

  it('lists the references its templates make', () => {
    expect(
      compileRules([{ set: { a: '{param.setupId}' } }, { default: { b: '{var.entity}' } }])
        .references,
    ).toStrictEqual([
      { namespace: 'param', name: 'setupId' },
      { namespace: 'var', name: 'entity' },
    ]);
  });
});

describe('templates', () => {
  it('encodes vendor values in paths but not operator parameters', () => {
    const template = compileTemplate(
      '/modules/{param.module}/setups/{param.setupId}/clients/{var.entity}',
    );
    expect(template.render(scope, encodeURIComponent)).toBe(
      '/modules/oauthv2/setups/s/1/clients/e%2F42',
    );
    expect(template.whole).toBe(false);
    expect(compileTemplate('{var.entity}').whole).toBe(true);
  });

  it('refuses malformed templates at load and missing values at run time', () => {
    expect(() => compileTemplate('/a/{vars.x}')).toThrow(
      new TemplateError('"{vars.x}" is not {param.NAME} or {var.NAME}'),
    );
    expect(() => compileTemplate('/a/{var.x')).toThrow(
      new TemplateError('unbalanced braces in "/a/{var.x"'),
    );
    expect(() => compileTemplate('/a/{var.missing}').render(scope)).toThrow(
      new TemplateError('{var.missing} has no value'),
    );
  });
});
