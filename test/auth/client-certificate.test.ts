import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  admit,
  certificateNames,
  clientCertificateCheck,
  comparableName,
  parseDistinguishedName,
  type ClientCertificate,
  type InboundRequest,
} from '../../src/auth/index.js';
import { addressMatcher } from '../../src/lib/ip-address.js';
import { createTestPki, type TestPki } from '../support/certificates.js';

let pki: TestPki;
beforeAll(() => {
  pki = createTestPki();
});

const der = (base64: string) => Buffer.from(base64, 'base64');

describe('certificateNames', () => {
  it('reads the subject in RFC 4514 order and every SAN entry from the DER', () => {
    expect(certificateNames(der(pki.client.der))).toStrictEqual({
      subject: [
        [{ type: 'CN', value: 'client-1' }],
        [{ type: 'OU', value: 'Payments' }],
        [{ type: 'O', value: 'Example, Inc.' }],
        [{ type: 'C', value: 'DE' }],
      ],
      dns: ['client.example'],
      uri: ['https://client.example/id'],
      ip: [
        [192, 0, 2, 10],
        [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
      ],
      email: ['ops@client.example'],
    });
  });

  it('has no SAN entries for a certificate without the extension', () => {
    const names = certificateNames(der(pki.selfSigned.der));
    expect(names.dns).toStrictEqual([]);
    expect(names.subject).toHaveLength(4);
  });
});

describe('parseDistinguishedName', () => {
  it('reads escapes, hex pairs (UTF-8), #hex values, multi-valued RDNs and OID types', () => {
    expect(
      parseDistinguishedName('CN=J\\C3\\BCrgen\\, Jr.+UID=jj,OID.2.5.4.10=#0403414243,c=DE'),
    ).toStrictEqual([
      [
        { type: 'CN', value: 'Jürgen, Jr.' },
        { type: 'UID', value: 'jj' },
      ],
      [{ type: 'O', value: '#0403414243' }],
      [{ type: 'C', value: 'DE' }],
    ]);
  });

  it.each(['', 'CN', 'CN=a,', 'CN=a\\', 'CN=a\\zz', 'unknown=x', 'CN=#abc', 'CN=#ab c'])(
    'refuses %j',
    (text) => expect(parseDistinguishedName(text)).toBeUndefined(),
  );

  const SPECIAL = /[\\,+"<>;=#]/g;
  const rdns = fc.array(
    fc.array(
      fc.record({
        type: fc.constantFrom('CN', 'O', 'OU', 'C', 'L', 'ST', 'DC', 'UID', '1.2.3.4'),
        value: fc.string({ minLength: 1, maxLength: 12 }).filter((v) => v.trim() === v && v !== ''),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    { minLength: 1, maxLength: 5 },
  );

  it('reads back any DN written with RFC 4514 escaping, to the same comparable name', () => {
    fc.assert(
      fc.property(rdns, (written) => {
        const text = written
          .map((rdn) =>
            rdn.map(({ type, value }) => `${type}=${value.replace(SPECIAL, '\\$&')}`).join('+'),
          )
          .join(',');
        const parsed = parseDistinguishedName(text);
        expect(parsed).toBeDefined();
        expect(comparableName(parsed!)).toBe(comparableName(written));
      }),
    );
  });
});

describe('clientCertificateCheck', () => {
  const request = (body: unknown, clientCertificate?: ClientCertificate): InboundRequest => ({
    authorization: undefined,
    contentType: 'application/json',
    body,
    clientCertificate,
    endpoint: 'https://dcr.example/r/register',
  });
  const access = (required: boolean) => ({ checks: [clientCertificateCheck({ required })] });

  it('names the caller by the thumbprint of a trusted certificate, x5t#S256', async () => {
    const certificate = { der: der(pki.client.der), trusted: true };
    const thumbprint = createHash('sha256').update(certificate.der).digest('base64url');
    const admitted = await admit(access(false), request({}, certificate));
    expect(admitted.principal).toStrictEqual({
      kind: 'client_certificate',
      key: `cert:${thumbprint}`,
      scopes: [],
      certificateThumbprint: thumbprint,
    });
  });

  it("keeps a token's principal, the certificate thumbprint joining it", async () => {
    const check = clientCertificateCheck({ required: true });
    const certificate = { der: der(pki.client.der), trusted: true };
    const principal = { kind: 'initial_access_token' as const, key: 'iat:0123', scopes: [] };
    const admitted = await check(request({}, certificate), { principal, body: {} });
    expect(admitted.principal).toStrictEqual({
      ...principal,
      certificateThumbprint: createHash('sha256').update(certificate.der).digest('base64url'),
    });
  });

  it('binds the claims of a verified statement over the body', async () => {
    const check = clientCertificateCheck({ required: false });
    const certificate = { der: der(pki.client.der), trusted: true };
    const admission = {
      principal: { kind: 'software_statement' as const, key: 'software:s', scopes: [] },
      body: {
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_san_dns: 'client.example',
      },
      statement: { raw: 'x.y.z', claims: { tls_client_auth_san_dns: 'other.example' } },
    };
    await expect(check(request(admission.body, certificate), admission)).rejects.toThrow(
      'tls_client_auth_san_dns does not match the client certificate',
    );
  });

  it('leaves members of the wrong type to the metadata validator', async () => {
    const certificate = { der: der(pki.client.der), trusted: true };
    const body = { token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_san_dns: 7 };
    await expect(admit(access(false), request(body, certificate))).resolves.toBeDefined();
  });
});

describe('addressMatcher', () => {
  it('matches a block exactly as far as its prefix reaches', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.ipV4(), fc.integer({ min: 0, max: 32 }), (block, address, bits) => {
        const toBits = (text: string) =>
          text
            .split('.')
            .map((octet) => Number(octet).toString(2).padStart(8, '0'))
            .join('');
        const expected = toBits(block).slice(0, bits) === toBits(address).slice(0, bits);
        expect(addressMatcher([`${block}/${bits}`])(address)).toBe(expected);
        expect(addressMatcher([`${block}/${bits}`])(`::ffff:${address}`)).toBe(expected);
      }),
    );
  });

  it('takes single addresses and IPv6 blocks, and nothing that is no address', () => {
    const matches = addressMatcher(['127.0.0.1', '2001:db8::/32', 'not-an-address']);
    expect(matches('127.0.0.1')).toBe(true);
    expect(matches('127.0.0.2')).toBe(false);
    expect(matches('2001:0db8:ffff::1')).toBe(true);
    expect(matches('2001:db9::1')).toBe(false);
    expect(matches('not-an-address')).toBe(false);
  });
});
