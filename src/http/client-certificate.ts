import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalidClientCertificate } from '../errors/index.js';
import { addressMatcher } from '../lib/ip-address.js';
import type { ClientCertificate } from '../pipeline/index.js';

/** Where client certificates come from, as the server section configures them. */
export interface CertificateSources {
  /** The gateway terminates TLS and asks for certificates; `verifies`: it has a `client_ca`. */
  readonly tls?: { readonly verifies: boolean };
  /** A header set by proxies in front. */
  readonly header?: {
    readonly name: string;
    readonly trustedProxies: readonly string[];
    /** PEM bundle of issuers; without it, a certificate the proxy forwards is trusted. */
    readonly clientCa: string | undefined;
  };
}

/** The client certificate of a request, or undefined; throws 400 on an unreadable header. */
export type CertificateReader = (request: FastifyRequest) => ClientCertificate | undefined;

export const NO_CERTIFICATES: CertificateReader = () => undefined;

/**
 * Reads client certificates from the sources configured, precomputed once. A connection from
 * a trusted proxy speaks for its callers: the header is the certificate (none without it, not
 * the proxy's own). From any other peer the header is ignored, whatever it holds, and the TLS
 * handshake's certificate is the one, trusted when it chains to `client_ca` (the handshake
 * never fails on it: the gateway answers with an OAuth error instead).
 */
export function certificateReader(sources: CertificateSources): CertificateReader {
  const { tls, header } = sources;
  if (tls === undefined && header === undefined) return NO_CERTIFICATES;
  const fromProxy = header === undefined ? () => false : addressMatcher(header.trustedProxies);
  const issuers = header?.clientCa === undefined ? undefined : parseBundle(header.clientCa);
  return (request) => {
    const socket = request.raw.socket;
    if (header !== undefined && fromProxy(socket.remoteAddress ?? '')) {
      const value = request.headers[header.name];
      // A proxy that saw no certificate may send the header empty (an unset variable).
      if (value === undefined || value === '') return undefined;
      const certificate = certificateFromHeader(header.name, value);
      return {
        der: certificate.raw,
        trusted: issuers === undefined || issuedBy(certificate, issuers),
      };
    }
    if (tls === undefined || !(socket as TLSSocket).encrypted) return undefined;
    const peer = (socket as TLSSocket).getPeerCertificate();
    if (peer?.raw === undefined) return undefined;
    return { der: peer.raw, trusted: tls.verifies && (socket as TLSSocket).authorized };
  };
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----([^-]*)-----END CERTIFICATE-----/g;

function parseBundle(pem: string): X509Certificate[] {
  return [...pem.matchAll(PEM_BLOCK)].map((block) => new X509Certificate(block[0]));
}

/**
 * Issued and signed by one of `issuers`, and valid now. Only one step: intermediates that
 * issue client certificates belong in the bundle themselves.
 */
function issuedBy(certificate: X509Certificate, issuers: readonly X509Certificate[]): boolean {
  const now = Date.now();
  if (now < Date.parse(certificate.validFrom) || now > Date.parse(certificate.validTo))
    return false;
  return issuers.some(
    (issuer) => certificate.checkIssued(issuer) && certificate.verify(issuer.publicKey),
  );
}

/** Envoy's XFCC element member `Cert="<URL-encoded PEM>"`. */
const XFCC_CERT = /(?:^|[;,])\s*Cert="([^"]*)"/gi;

/**
 * The one certificate a header holds: PEM, URL-encoded PEM (nginx `$ssl_client_escaped_cert`,
 * AWS ALB), PEM with its line breaks turned into spaces, bare base64 DER, or Envoy XFCC with a
 * single `Cert=`. Anything else is the proxy misconfigured or a caller's forgery: 400.
 */
export function certificateFromHeader(name: string, value: string | string[]): X509Certificate {
  if (Array.isArray(value)) throw invalidClientCertificate(name, 'header repeated');
  const xfcc = [...value.matchAll(XFCC_CERT)];
  if (xfcc.length > 1) throw invalidClientCertificate(name, 'more than one XFCC Cert');
  let text = xfcc.length === 1 ? xfcc[0]![1]! : value;
  try {
    if (text.includes('%')) text = decodeURIComponent(text);
  } catch {
    throw invalidClientCertificate(name, 'bad URL encoding');
  }
  const blocks = [...text.matchAll(PEM_BLOCK)];
  if (blocks.length > 1) throw invalidClientCertificate(name, 'more than one certificate');
  const base64 = (blocks.length === 1 ? blocks[0]![1]! : text).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) throw invalidClientCertificate(name, 'not base64');
  try {
    return new X509Certificate(Buffer.from(base64, 'base64'));
  } catch {
    throw invalidClientCertificate(name, 'not an X.509 certificate');
  }
}

/**
 * `request.clientCertificate()` on every request, read on demand (only registration asks, so a
 * passthrough request never has its header parsed).
 */
export function installClientCertificates(app: FastifyInstance, sources: CertificateSources): void {
  const read = certificateReader(sources);
  app.decorateRequest('clientCertificate', function (this: FastifyRequest) {
    return read(this);
  });
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's client certificate (RFC 8705), from TLS or a trusted proxy's header. */
    clientCertificate(): ClientCertificate | undefined;
  }
}
