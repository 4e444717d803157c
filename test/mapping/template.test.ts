import { describe, expect, it } from 'vitest';
import {
  compileTemplate,
  compileTemplateAt,
  TemplateError,
  within,
} from '../../src/mapping/template.js';

const scope = {
  params: { setupId: 's/1', module: 'oauthv2' },
  vars: { entity: 'e/42 x?', n: 7, on: false, nothing: null, object: { a: 1 } },
};

describe('templates', () => {
  it.each([
    ['plain text', '/register', '/register'],
    ['a parameter', '{param.module}', 'oauthv2'],
    ['numbers and booleans as text', '/{var.n}/{var.on}', '/7/false'],
    ['literals around references', 'x-{param.module}-{var.n}-y', 'x-oauthv2-7-y'],
    ['the same reference twice', '{var.n}{var.n}', '77'],
  ])('renders %s', (_name, source, rendered) => {
    expect(compileTemplate(source).render(scope)).toBe(rendered);
  });

  it('encodes vendor values (vars) in paths with the given encoder, never operator parameters', () => {
    const template = compileTemplate(
      '/modules/{param.module}/setups/{param.setupId}/clients/{var.entity}',
    );
    expect(template.render(scope, encodeURIComponent)).toBe(
      '/modules/oauthv2/setups/s/1/clients/e%2F42%20x%3F',
    );
    expect(template.render(scope)).toBe('/modules/oauthv2/setups/s/1/clients/e/42 x?');
  });

  it('lists its references in order, and knows when it is exactly one', () => {
    const template = compileTemplate('/{param.module}/{var.entity}');
    expect(template.source).toBe('/{param.module}/{var.entity}');
    expect(template.references).toStrictEqual([
      { namespace: 'param', name: 'module' },
      { namespace: 'var', name: 'entity' },
    ]);
    expect(template.whole).toBe(false);
    expect(compileTemplate('{var.entity}').whole).toBe(true);
    expect(compileTemplate('/{var.entity}').whole).toBe(false);
    expect(compileTemplate('/register').whole).toBe(false);
  });

  it.each([
    ['/a/{vars.x}', '"{vars.x}" is not {param.NAME} or {var.NAME}'],
    ['/a/{foo}', '"{foo}" is not {param.NAME} or {var.NAME}'],
    ['/a/{}', '"{}" is not {param.NAME} or {var.NAME}'],
    ['/a/{var.}', '"{var.}" is not {param.NAME} or {var.NAME}'],
    ['/a/{var.1x}', '"{var.1x}" is not {param.NAME} or {var.NAME}'],
    ['/a/{ var.x }', '"{ var.x }" is not {param.NAME} or {var.NAME}'],
    ['/a/{var.x', 'unbalanced braces in "/a/{var.x"'],
    ['/a/var.x}', 'unbalanced braces in "/a/var.x}"'],
    ['/a/{{var.x}}', 'unbalanced braces in "/a/{{var.x}}"'],
  ])('refuses %s at compile time', (source, message) => {
    expect(() => compileTemplate(source)).toThrow(new TemplateError(message));
  });

  it.each([
    ['a parameter nobody set', '{param.realm}', '{param.realm} has no value'],
    ['a var nobody captured', '/c/{var.missing}', '{var.missing} has no value'],
    ['a null var', '{var.nothing}', '{var.nothing} has no value'],
    ['an object var', '{var.object}', '{var.object} has no value'],
    ['an Object.prototype name', '{var.constructor}', '{var.constructor} has no value'],
  ])('refuses %s at render time', (_name, source, message) => {
    const template = compileTemplate(source);
    expect(() => template.render(scope)).toThrow(new TemplateError(message));
  });

  it('places compile errors and references where the template was written', () => {
    const { template, references } = compileTemplateAt(['auth', 'bearer'], '{var.token}');
    expect(template.whole).toBe(true);
    expect(references).toStrictEqual([{ namespace: 'var', name: 'token', at: ['auth', 'bearer'] }]);

    let error: unknown;
    try {
      within(['operations', 'read', 'calls', 0], () => compileTemplateAt(['url'], '{url}'));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TemplateError);
    expect(error).toMatchObject({
      name: 'TemplateError',
      message: '"{url}" is not {param.NAME} or {var.NAME}',
      at: ['operations', 'read', 'calls', 0, 'url'],
    });
  });

  it('lets other errors through unplaced', () => {
    const failure = new RangeError('not a template problem');
    expect(() =>
      within(['x'], () => {
        throw failure;
      }),
    ).toThrow(failure);
  });
});
