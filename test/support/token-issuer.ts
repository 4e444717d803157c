import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWTHeaderParameters,
  type JWTPayload,
} from 'jose';

/** The algorithms a test issuer signs with, one key each. */
export const ISSUER_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const;
export type IssuerAlgorithm = (typeof ISSUER_ALGORITHMS)[number];

/** A token issuer on loopback: its JWKS at `jwksUrl`, counting fetches, and a signer. */
export interface TestIssuer {
  readonly jwksUrl: string;
  readonly port: number;
  /** JWKS requests served so far. */
  readonly fetches: () => number;
  /** Signs `claims` with the key of `alg` (kid `key-<alg>`); `header` adds or replaces members. */
  sign(alg: IssuerAlgorithm, claims: JWTPayload, header?: Record<string, unknown>): Promise<string>;
  /** The public JWK of `alg`'s key, as published. */
  publicJwk(alg: IssuerAlgorithm): Record<string, unknown>;
  close(): Promise<void>;
}

export async function startTestIssuer(): Promise<TestIssuer> {
  const keys = new Map<IssuerAlgorithm, { privateKey: CryptoKey; jwk: Record<string, unknown> }>();
  for (const alg of ISSUER_ALGORITHMS) {
    const { privateKey, publicKey } = await generateKeyPair(alg, {
      ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
    });
    keys.set(alg, { privateKey, jwk: { ...(await exportJWK(publicKey)), kid: `key-${alg}`, alg } });
  }
  let fetches = 0;
  const body = JSON.stringify({ keys: [...keys.values()].map((key) => key.jwk) });
  const server: Server = createServer((_request, response) => {
    fetches++;
    response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' });
    response.end(body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    jwksUrl: `http://127.0.0.1:${port}/jwks`,
    port,
    fetches: () => fetches,
    sign: (alg, claims, header = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({
          alg,
          kid: `key-${alg}`,
          typ: 'JWT',
          ...header,
        } as JWTHeaderParameters)
        .sign(keys.get(alg)!.privateKey),
    publicJwk: (alg) => keys.get(alg)!.jwk,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

/** Seconds since the epoch, now. */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
