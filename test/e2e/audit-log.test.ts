import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  startStandardSetup,
  type CallResult,
  type StandardSetup,
} from '../support/gateway.js';

/**
 * The audit log on real ports, in front of the real oidc-provider: one line per registration
 * and management call on its own logger, naming who, which route, backend and client, and how
 * it ended; never a token, a secret or an Authorization header.
 */
const IAT = 'audit-test-initial-access-token-0123456789';
const IAT_KEY = `iat:${createHash('sha256').update(IAT).digest('hex').slice(0, 16)}`;
const M = { redirect_uris: ['https://app.example/cb'], client_name: 'Audited' };

let setup: StandardSetup;
beforeAll(async () => {
  setup = await startStandardSetup({
    registration: { initial_access_tokens: [{ env: 'AUDIT_IAT' }] },
    env: { AUDIT_IAT: IAT },
  });
});
afterAll(() => setup?.close());

/** The one audit line of `response`, parsed. */
function auditLineOf(response: CallResult): Record<string, unknown> {
  const id = response.headers.get('x-request-id');
  const lines = setup.gateway.audit
    .map((text) => JSON.parse(text) as Record<string, unknown>)
    .filter((line) => line.request_id === id);
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

const secretsSeen: string[] = [IAT];

describe('one audit line per call', () => {
  it('records a registration and its management, each with its principal and outcome', async () => {
    const created = await call('POST', setup.register, { token: IAT, body: M });
    expect(created.status).toBe(201);
    const client = created.body as Record<string, string>;
    secretsSeen.push(client.client_secret!, client.registration_access_token!);
    expect(auditLineOf(created)).toStrictEqual({
      level: 30,
      time: expect.any(Number),
      log: 'audit',
      request_id: created.headers.get('x-request-id'),
      operation: 'register',
      route: 'main',
      backend: 'std',
      client_id: client.client_id,
      principal: { kind: 'initial_access_token', key: IAT_KEY },
      caller_ip: '127.0.0.1',
      status: 201,
      outcome: 'success',
      msg: 'register succeeded',
    });

    const uri = client.registration_client_uri!;
    let rat = client.registration_access_token!;
    const read = await call('GET', uri, { token: rat });
    const updated = await call('PUT', uri, {
      token: rat,
      body: { ...M, client_id: client.client_id, client_name: 'Renamed' },
    });
    expect(updated.status).toBe(200);
    rat = (updated.body as Record<string, string>).registration_access_token!;
    secretsSeen.push(rat);
    const removed = await call('DELETE', uri, { token: rat });
    expect(removed.status).toBe(204);
    for (const [response, operation, status] of [
      [read, 'read', 200],
      [updated, 'update', 200],
      [removed, 'delete', 204],
    ] as const)
      expect(auditLineOf(response)).toMatchObject({
        log: 'audit',
        operation,
        route: 'main',
        backend: 'std',
        client_id: client.client_id,
        principal: { kind: 'registration_access_token' },
        status,
        outcome: 'success',
      });

    // The client is gone: its RAT reads nothing now, and that is on record too.
    const gone = await call('GET', uri, { token: rat });
    expect(gone.status).toBe(401);
    expect(auditLineOf(gone)).toMatchObject({
      operation: 'read',
      status: 401,
      outcome: 'refused',
      error: 'invalid_token',
    });
  });

  it('records refusals with their error code and whom they refused', async () => {
    const refused = await call('POST', setup.register, { token: 'not-the-token', body: M });
    expect(refused.status).toBe(401);
    expect(auditLineOf(refused)).toMatchObject({
      operation: 'register',
      route: 'main',
      backend: 'std',
      principal: { kind: 'unknown' },
      status: 401,
      outcome: 'refused',
      error: 'invalid_token',
    });
    expect(auditLineOf(refused)).not.toHaveProperty('client_id');

    const bad = await call('POST', setup.register, { token: IAT, body: { redirect_uris: [] } });
    expect(auditLineOf(bad)).toMatchObject({
      principal: { kind: 'initial_access_token', key: IAT_KEY },
      status: 400,
      outcome: 'refused',
      error: 'invalid_redirect_uri',
    });

    const foreign = await call('GET', `${setup.register}/someone-else`, { token: 'forged' });
    expect(auditLineOf(foreign)).toMatchObject({
      operation: 'read',
      principal: { kind: 'unknown' },
      status: 401,
      outcome: 'refused',
      error: 'invalid_token',
    });
  });

  it('keeps audit lines out of the application log and secrets out of both', () => {
    expect(setup.gateway.audit.length).toBeGreaterThanOrEqual(8);
    expect(setup.gateway.logs.some((line) => line.includes('"log":"audit"'))).toBe(false);
    for (const line of [...setup.gateway.audit, ...setup.gateway.logs]) {
      for (const secret of secretsSeen) expect(line).not.toContain(secret);
      expect(line.toLowerCase()).not.toContain('bearer ');
    }
  });
});
