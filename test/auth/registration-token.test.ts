import { randomBytes } from 'node:crypto';
import { EncryptJWT, jwtDecrypt } from 'jose';
import { describe, expect, it } from 'vitest';
import { createRegistrationTokens } from '../../src/auth/index.js';
import { GatewayError } from '../../src/errors/index.js';

const k1 = { kid: 'k1', key: randomBytes(32) };
const k2 = { kid: 'k2', key: randomBytes(32) };
const grant = {
  route: 'main',
  backend: 'std',
  clientId: 'c1',
  state: { registration_access_token: 'vendor-rat' },
};

function refusal(open: () => unknown): string | undefined {
  try {
    open();
  } catch (error) {
    if (error instanceof GatewayError) return `${error.code}: ${error.detail}`;
    throw error;
  }
  return undefined;
}

describe('registration access tokens', () => {
  it('are standard JWEs: jose decrypts ours, and we open one jose made', async () => {
    const tokens = createRegistrationTokens([k1]);
    const token = tokens.issue(grant);
    const { payload, protectedHeader } = await jwtDecrypt(token, k1.key);
    expect(protectedHeader).toStrictEqual({
      alg: 'dir',
      enc: 'A256GCM',
      kid: 'k1',
      typ: 'dcr-gateway-rat+jwt',
    });
    expect(payload).toStrictEqual({
      rt: 'main',
      be: 'std',
      cid: 'c1',
      st: grant.state,
      iat: expect.any(Number),
    });

    const fromJose = await new EncryptJWT({ rt: 'main', be: 'std', cid: 'c1', st: {} })
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: 'k1', typ: 'dcr-gateway-rat+jwt' })
      .encrypt(k1.key);
    expect(tokens.open(fromJose)).toStrictEqual({
      route: 'main',
      backend: 'std',
      clientId: 'c1',
      state: {},
    });
    // The same header members in another order: not the gateway's spelling, still its token.
    const reordered = await new EncryptJWT({ rt: 'main', be: 'std', cid: 'c1', st: {} })
      .setProtectedHeader({ typ: 'dcr-gateway-rat+jwt', kid: 'k1', enc: 'A256GCM', alg: 'dir' })
      .encrypt(k1.key);
    expect(reordered.split('.')[0]).not.toBe(token.split('.')[0]);
    expect(tokens.open(reordered)).toMatchObject({ route: 'main', clientId: 'c1' });
  });

  it('open with any listed key, so keys rotate by putting a new one first', () => {
    const old = createRegistrationTokens([k1]).issue(grant);
    const rotated = createRegistrationTokens([k2, k1]);
    expect(rotated.open(old)).toStrictEqual(grant);
    expect(rotated.open(rotated.issue(grant))).toStrictEqual(grant);
    expect(refusal(() => createRegistrationTokens([k2]).open(old))).toBe(
      'invalid_token: registration token header not ours',
    );
  });

  it('refuse tampered, malformed, foreign and expired tokens alike', async () => {
    const tokens = createRegistrationTokens([k1], 60);
    const token = tokens.issue(grant);
    const [header, , iv, body, tag] = token.split('.');
    const flipped = `${body!.slice(0, -2)}${body!.at(-2) === 'A' ? 'B' : 'A'}${body!.at(-1)}`;
    expect(refusal(() => tokens.open(`${header}..${iv}.${flipped}.${tag}`))).toBe(
      'invalid_token: registration token does not decrypt',
    );
    expect(refusal(() => tokens.open('garbage'))).toBe(
      'invalid_token: registration token is not a dir JWE',
    );
    expect(refusal(() => tokens.open(`${header}.x.${iv}.${body}.${tag}`))).toBe(
      'invalid_token: registration token is not a dir JWE',
    );
    expect(refusal(() => tokens.open(`e30..${iv}.${body}.${tag}`))).toBe(
      'invalid_token: registration token header not ours',
    );
    expect(refusal(() => tokens.open(`${header}..AAAA.${body}.${tag}`))).toBe(
      'invalid_token: registration token malformed',
    );
    const expired = await new EncryptJWT({
      rt: 'main',
      be: 'std',
      cid: 'c1',
      st: {},
      exp: Math.floor(Date.now() / 1000) - 1,
    })
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: 'k1', typ: 'dcr-gateway-rat+jwt' })
      .encrypt(k1.key);
    expect(refusal(() => tokens.open(expired))).toBe('invalid_token: registration token expired');
    expect(refusal(() => tokens.open(token))).toBeUndefined();
  });
});
