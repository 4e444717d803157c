import { describe, expect, it } from 'vitest';
import {
  OPEN_PRINCIPAL,
  signedRequestCheck,
  type Admission,
  type InboundRequest,
  type SignedRequestDeps,
} from '../../src/auth/index.js';

/** What a signed-request check does before any key is needed: which bodies are its to verify. */
const settings = { algorithms: ['ES256'] as const, maxAgeSeconds: 300, clockSkewSeconds: 60 };
const deps: SignedRequestDeps = {
  verifyStatement: () => Promise.reject(new Error('not reached')),
  singleUse: { consume: () => Promise.reject(new Error('not reached')) },
  outbound: { checkAll: () => Promise.resolve({ ok: true }) },
};
const request = (contentType: string | undefined, body: unknown): InboundRequest => ({
  authorization: undefined,
  contentType,
  body,
  clientCertificate: undefined,
  endpoint: 'https://dcr.example/r/register',
});
const admission = (body: unknown): Admission => ({ principal: OPEN_PRINCIPAL, body });

describe('signedRequestCheck', () => {
  it('passes a JSON registration on where signing is optional', async () => {
    const check = signedRequestCheck({ ...settings, required: false }, deps);
    const json = { redirect_uris: ['https://app.example/cb'] };
    await expect(check(request('application/json', json), admission(json))).resolves.toStrictEqual(
      admission(json),
    );
  });

  it('refuses a JSON registration where signing is required, and an empty signed one', async () => {
    const required = signedRequestCheck({ ...settings, required: true }, deps);
    await expect(required(request('application/json', {}), admission({}))).rejects.toMatchObject({
      code: 'invalid_request',
      description: 'registration requests must be signed (application/jwt)',
    });
    await expect(
      required(request('application/jwt', undefined), admission(undefined)),
    ).rejects.toMatchObject({
      code: 'invalid_request',
      description: 'the signed request is empty',
    });
    await expect(
      required(request('application/jwt', 'a.b.c'), admission('a.b.c')),
    ).rejects.toMatchObject({
      code: 'invalid_request',
      description: 'the signed request is not a JWT',
    });
  });
});
