import { readFileSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assemble, loadGateway } from '../../src/assemble.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/default-config.js';
import { startStandardBackend } from '../../src/sandbox/standard-backend.js';
import { call, listenGateway, standardConfig, type TestGateway } from '../support/gateway.js';

/**
 * RFC 7591 §2.3 software statements on a route that passes them through to an IdP that
 * verifies them itself (the embedded AM simulator, with one Software Publisher agent), and on
 * a route that ignores them (the standard one).
 */
let sandbox: Sandbox;
let gateway: TestGateway;
let am: string;
beforeAll(async () => {
  sandbox = await startSandbox({ PORT: '0' });
  gateway = await listenGateway(assemble(sandbox.config));
  am = `${gateway.url}/sandbox/forgerock-am/register`;
});
afterAll(async () => {
  await gateway?.close();
  await Promise.all((sandbox?.backends ?? []).map((backend) => backend.close()));
});

const BODY = { redirect_uris: ['https://app.example/cb'], client_name: 'Stated' };

async function statement(
  claims: Record<string, unknown> = {},
  options: { secret?: string; issuer?: string; alg?: string } = {},
): Promise<string> {
  const { publisher } = sandbox.forgerockAm;
  return new SignJWT({ software_id: 'app-1', ...claims })
    .setProtectedHeader({ alg: options.alg ?? 'HS256' })
    .setIssuer(options.issuer ?? publisher.issuer)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(Buffer.from(options.secret ?? publisher.secret));
}

const amClients = () => sandbox.forgerockAm.clientCount();

describe('a route that passes statements through (AM verifies them)', () => {
  it('hands a signed statement to AM untouched and echoes it as received', async () => {
    const jwt = await statement();
    const created = await call('POST', am, { body: { ...BODY, software_statement: jwt } });
    expect(created.status, created.text).toBe(201);
    expect(created.body.software_statement).toBe(jwt);

    const {
      registration_client_uri: uri,
      registration_access_token: rat,
      client_id,
    } = created.body as Record<string, string>;
    const read = await call('GET', uri!, { token: rat });
    expect(read.status).toBe(200);
    expect(read.body).not.toHaveProperty('software_statement'); // kept nowhere but at AM

    const again = await statement({ software_version: '2' });
    const updated = await call('PUT', uri!, {
      token: rat,
      body: { ...BODY, client_id, software_statement: again },
    });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.body.software_statement).toBe(again);
  });

  it.each([
    [
      'signed with another secret',
      { secret: 'not the publisher secret at all, 32b' },
      'invalid_software_statement',
      'the identity provider rejected the software statement',
    ],
    [
      'from an unknown publisher',
      { issuer: 'https://stranger.example' },
      'unapproved_software_statement',
      'the identity provider does not trust the software statement',
    ],
  ])(
    'answers AM refusing a statement %s in RFC 7591 terms, creating nothing',
    async (_name, options, error, description) => {
      const before = amClients();
      const refused = await call('POST', am, {
        body: { ...BODY, software_statement: await statement({}, options) },
      });
      expect(refused.status).toBe(400);
      expect(refused.body).toStrictEqual({
        error,
        error_description: description,
        request_id: refused.headers.get('x-request-id'),
      });
      expect(amClients()).toBe(before);
    },
  );

  it('refuses what is no signed JWT before any call to AM', async () => {
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"iss":"x"}').toString('base64url')}.`;
    const notJwt = fc.oneof(
      fc.constant(unsigned),
      fc.constant('a'.repeat(40_000)),
      fc.constant(`${'e'.repeat(20)}.${'f'.repeat(32_768)}.sig`),
      fc.string({ maxLength: 60 }),
      fc.stringMatching(/^[A-Za-z0-9_-]{1,20}(\.[A-Za-z0-9_-]{0,20}){0,4}$/),
      fc.oneof(
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(fc.string(), { maxLength: 2 }),
        fc.object(),
      ),
    );
    await fc.assert(
      fc.asyncProperty(notJwt, async (value) => {
        const before = amClients();
        const refused = await call('POST', am, { body: { ...BODY, software_statement: value } });
        expect(refused.status, refused.text).toBe(400);
        expect(refused.body.error).toBe('invalid_software_statement');
        expect(refused.body.error_description).toMatch(/^software_statement must be /);
        expect(amClients()).toBe(before);
      }),
      { numRuns: 80 },
    );
  });
});

it('ignores a statement on a route that does not pass them through (RFC 7591 section 3.1.1)', async () => {
  const created = await call('POST', `${gateway.url}/sandbox/standard/register`, {
    body: { ...BODY, software_statement: 'not even a JWT' },
  });
  expect(created.status, created.text).toBe(201);
  expect(created.body).not.toHaveProperty('software_statement');
});

it('refuses at start a pass-through route whose mapping never sends statements', async () => {
  const backend = await startStandardBackend();
  try {
    const fixture = standardConfig({
      backends: { std: backend },
      routes: { main: { prefix: '/idp', backend: 'std' } },
    });
    const text = readFileSync(fixture.file, 'utf8');
    writeFileSync(
      fixture.file,
      text.replace(
        '    prefix: /idp\n',
        '    prefix: /idp\n    software_statements: pass_through\n',
      ),
    );
    expect(() => loadGateway(fixture.file, fixture.env)).toThrow(
      /routes\.main\.software_statements: mapping rfc7591 does not send software_statement to its IdP \(capabilities\.fields\), so nobody would verify it/,
    );
  } finally {
    await backend.close();
  }
});
