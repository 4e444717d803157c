import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  admit,
  initialAccessToken,
  OPEN_ACCESS,
  staticTokens,
  type InboundCheck,
  type InboundRequest,
} from '../../src/auth/index.js';

const request = (authorization?: string): InboundRequest => ({
  authorization,
  contentType: 'application/json',
  body: { redirect_uris: ['https://app.example/cb'] },
  clientCertificate: undefined,
  endpoint: 'https://dcr.example/r/register',
});

describe('admit', () => {
  it('admits an open route as the open principal, with the body as sent', async () => {
    await expect(admit(OPEN_ACCESS, request())).resolves.toStrictEqual({
      principal: { kind: 'open', key: undefined, scopes: [] },
      body: { redirect_uris: ['https://app.example/cb'] },
    });
  });

  it('runs the checks in order, each seeing what the one before established', async () => {
    const seen: string[] = [];
    const tag =
      (name: string): InboundCheck =>
      async (_request, admission) => {
        seen.push(`${name}:${admission.principal.kind}`);
        return { ...admission, principal: { ...admission.principal, kind: 'software_statement' } };
      };
    const admitted = await admit({ checks: [tag('a'), tag('b')] }, request());
    expect(seen).toStrictEqual(['a:open', 'b:software_statement']);
    expect(admitted.principal.kind).toBe('software_statement');
  });
});

describe('staticTokens', () => {
  const digest = createHash('sha256').update('t0ken').digest();
  const access = {
    checks: [
      initialAccessToken({
        modes: [staticTokens([createHash('sha256').update('x').digest(), digest])],
      }),
    ],
  };

  it('names an initial access token by its digest, never by the token', async () => {
    const admitted = await admit(access, request('Bearer t0ken'));
    expect(admitted.principal).toStrictEqual({
      kind: 'initial_access_token',
      key: `iat:${digest.toString('hex').slice(0, 16)}`,
      scopes: [],
    });
  });

  it('refuses another token with invalid_token, and none with the bare challenge', async () => {
    await expect(admit(access, request('Bearer other'))).rejects.toMatchObject({
      code: 'invalid_token',
      status: 401,
    });
    await expect(admit(access, request())).rejects.toMatchObject({ status: 401 });
  });
});
