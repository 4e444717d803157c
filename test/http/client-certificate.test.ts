import fc from 'fast-check';
import type { FastifyRequest } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors/index.js';
import { certificateFromHeader, certificateReader } from '../../src/http/index.js';
import { addressBytes } from '../../src/lib/ip-address.js';
import { createTestPki, type TestPki } from '../support/certificates.js';

/** The header forms proxies send, and who may send them (read with fake requests). */
let pki: TestPki;
beforeAll(() => {
  pki = createTestPki();
});

const NAME = 'x-client-cert';
const LOOPBACK_V6 = [...Array<number>(15).fill(0), 1].join('.');

const fakeRequest = (remoteAddress: string, value?: string | string[]) =>
  ({
    raw: { socket: { remoteAddress } },
    headers: value === undefined ? {} : { [NAME]: value },
  }) as unknown as FastifyRequest;

const reader = (clientCa?: string) =>
  certificateReader({
    header: { name: NAME, trustedProxies: ['10.0.0.0/8', '::1'], clientCa },
  });

const der = (pem: string) => Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');

describe('certificateFromHeader', () => {
  it('reads PEM URL-encoded, with spaces for line breaks, bare base64 and Envoy XFCC', () => {
    const pem = pki.client.cert;
    const forms = [
      encodeURIComponent(pem),
      pem.replace(/\n/g, ' '),
      pki.client.der,
      `By=spiffe://gw;Hash=abc;Cert="${encodeURIComponent(pem)}";Subject="CN=client-1";URI=`,
    ];
    for (const form of forms) expect(certificateFromHeader(NAME, form).raw).toStrictEqual(der(pem));
  });

  it('refuses two certificates, two XFCC elements with Cert, or a repeated header', () => {
    const one = encodeURIComponent(pki.client.cert);
    const values: (string | string[])[] = [
      `${one}${one}`,
      `Cert="${one}",Cert="${one}"`,
      [one, one],
    ];
    for (const value of values)
      expect(() => certificateFromHeader(NAME, value)).toThrow(
        'the x-client-cert header does not hold one PEM certificate',
      );
  });

  it('answers any other value with the 400 invalid_client_certificate, never another failure', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 300 }), (value) => {
        try {
          certificateFromHeader(NAME, value);
        } catch (error) {
          expect(error).toBeInstanceOf(GatewayError);
          expect((error as GatewayError).code).toBe('invalid_client_certificate');
          expect((error as GatewayError).status).toBe(400);
          return;
        }
        throw new Error(`read a certificate from ${JSON.stringify(value)}`);
      }),
    );
  });
});

describe('certificateReader with a header', () => {
  it('ignores the header, whatever it holds, from peers outside trusted_proxies', () => {
    const read = reader();
    const valid = encodeURIComponent(pki.client.cert);
    fc.assert(
      fc.property(
        fc.oneof(fc.constant('127.0.0.1'), fc.ipV4(), fc.ipV6(), fc.constant('::ffff:11.0.0.1')),
        fc.oneof(fc.string(), fc.constant(valid)),
        (peer, value) => {
          const bytes = addressBytes(peer)!;
          fc.pre(bytes.length === 4 ? bytes[0] !== 10 : bytes.join('.') !== LOOPBACK_V6);
          expect(read(fakeRequest(peer, value))).toBeUndefined();
        },
      ),
    );
  });

  it('takes the header from trusted proxies, also as IPv4-mapped IPv6 peers', () => {
    const read = reader();
    for (const peer of ['10.1.2.3', '::ffff:10.1.2.3', '::1'])
      expect(read(fakeRequest(peer, encodeURIComponent(pki.client.cert)))).toStrictEqual({
        der: der(pki.client.cert),
        trusted: true,
      });
  });

  it('has no certificate where a trusted proxy sends the header empty or not at all', () => {
    const read = reader();
    expect(read(fakeRequest('10.0.0.1'))).toBeUndefined();
    expect(read(fakeRequest('10.0.0.1', ''))).toBeUndefined();
  });

  it("with the header's client_ca, trusts only certificates that CA issued", () => {
    const read = reader(pki.ca.cert);
    const trusted = (issued: { cert: string }) =>
      read(fakeRequest('10.0.0.1', encodeURIComponent(issued.cert)))?.trusted;
    expect(trusted(pki.client)).toBe(true);
    expect(trusted(pki.rogue)).toBe(false);
    expect(trusted(pki.selfSigned)).toBe(false);
  });
});
