import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskRequest, MASK } from '../../src/pipeline/dry-run.js';
import { passedOn } from '../../src/pipeline/steps.js';

describe('maskRequest', () => {
  const SECRET_KEYS = [
    'client_secret',
    'clientSecret',
    'registration_access_token',
    'password',
    'x-api-key',
  ];

  it('names the credential a call carries without showing it', () => {
    expect(
      maskRequest({ call: 'c', method: 'GET', path: '/x', auth: { bearer: 'vendor-rat' } }),
    ).toStrictEqual({
      call: 'c',
      method: 'GET',
      path: '/x',
      authorization: `Bearer ${MASK}`,
    });
    expect(maskRequest({ call: 'c', method: 'GET', path: '/x', auth: 'admin' }).authorization).toBe(
      'admin credential',
    );
  });

  it('leaves no secret-named string and no generated secret anywhere in a body', () => {
    const key = fc.oneof(fc.constantFrom(...SECRET_KEYS), fc.stringMatching(/^[a-z_]{1,10}$/));
    const body = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.string(),
        fc.integer(),
        fc.boolean(),
        fc.array(tie('value'), { maxLength: 3 }),
        fc.dictionary(key, tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    const secret = fc.stringMatching(/^[A-Za-z0-9_-]{20,30}$/);
    fc.assert(
      fc.property(body, secret, key, (value, generated, at) => {
        const request = {
          call: 'c',
          method: 'POST',
          path: '/x',
          auth: 'none' as const,
          body: { wrapped: value, [at]: `prefix-${generated}` },
        };
        const masked = JSON.stringify(maskRequest(request, [generated]));
        expect(masked).not.toContain(generated);
        const walk = (node: unknown, name: string): void => {
          if (typeof node === 'string' && SECRET_KEYS.includes(name)) expect(node).toBe(MASK);
          if (Array.isArray(node)) node.forEach((item) => walk(item, name));
          else if (typeof node === 'object' && node !== null)
            for (const [k, v] of Object.entries(node)) walk(v, k);
        };
        walk(JSON.parse(masked), '');
      }),
    );
  });

  it('keeps flags and non-credential members as they are', () => {
    const body = { refreshToken: 1, token_endpoint_auth_method: 'client_secret_basic', name: 'x' };
    expect(
      maskRequest({ call: 'c', method: 'POST', path: '/', auth: 'none', body }).body,
    ).toStrictEqual(body);
  });
});

describe('passedOn', () => {
  it('sends a statement to the IdP only on pass-through routes, verified or not', () => {
    expect(passedOn({ softwareStatements: 'pass_through' }, 'a.b.c')).toBe('a.b.c');
    expect(passedOn({ softwareStatements: 'ignore' }, 'a.b.c')).toBeUndefined();
    expect(passedOn({ softwareStatements: 'pass_through' }, undefined)).toBeUndefined();
  });
});
