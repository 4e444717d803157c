import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  admit,
  initialAccessToken,
  OPEN_ACCESS,
  softwareStatementCheck,
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

describe('softwareStatementCheck', () => {
  const digest = createHash('sha256').update('t0ken').digest();
  const verified = (raw: string) =>
    Promise.resolve({
      raw,
      claims: { iss: 'https://pub.example', software_id: 'app-1', client_name: 'B', exp: 1 },
    });
  const withStatement = (authorization?: string): InboundRequest => ({
    ...request(authorization),
    body: { client_name: 'A', software_statement: 'a.b.c', redirect_uris: ['https://a/cb'] },
  });

  it('merges the claims over the body, its JWT claims and the statement left out', async () => {
    const admitted = await admit(
      { checks: [softwareStatementCheck(verified, { required: false })] },
      withStatement(),
    );
    expect(admitted).toStrictEqual({
      principal: {
        kind: 'software_statement',
        key: 'software:app-1',
        scopes: [],
        softwareId: 'app-1',
      },
      body: { client_name: 'B', software_id: 'app-1', redirect_uris: ['https://a/cb'] },
      statement: await verified('a.b.c'),
    });
  });

  it("keeps an initial access token's principal, the software_id beside it", async () => {
    const checks = [
      initialAccessToken({ modes: [staticTokens([digest])] }),
      softwareStatementCheck(verified, { required: true }),
    ];
    const admitted = await admit({ checks }, withStatement('Bearer t0ken'));
    expect(admitted.principal).toStrictEqual({
      kind: 'initial_access_token',
      key: `iat:${digest.toString('hex').slice(0, 16)}`,
      scopes: [],
      softwareId: 'app-1',
    });
  });

  it('without a statement: the body as it is, or refused where one is required', async () => {
    const check = (required: boolean) => ({
      checks: [softwareStatementCheck(verified, { required })],
    });
    await expect(admit(check(false), request())).resolves.toMatchObject({
      body: { redirect_uris: ['https://app.example/cb'] },
    });
    await expect(admit(check(true), request())).rejects.toMatchObject({
      code: 'invalid_software_statement',
      description: 'a software statement is required',
    });
  });
});
