import { createHash, X509Certificate } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import {
  clientCertificateRequired,
  clientCertificateUntrusted,
  invalidMetadata,
} from '../errors/index.js';
import { addressBytes } from '../lib/ip-address.js';
import type { Admission, ClientCertificate, InboundCheck } from './admission.js';
import { certificateNames, type CertificateNames } from './certificate-names.js';
import { comparableName, parseDistinguishedName } from './distinguished-name.js';

/** A route's client certificate rule (`registration.client_certificate`). */
export interface ClientCertificateSettings {
  /** No registration without a certificate (RFC 8705 §2). */
  readonly required: boolean;
}

/** RFC 8705 §3.1 `x5t#S256`: base64url of the SHA-256 of the certificate's DER. */
export function certificateThumbprint(der: Buffer): string {
  return createHash('sha256').update(der).digest('base64url');
}

type Metadata = Readonly<Record<string, unknown>>;

/**
 * The client certificate check (RFC 8705). Without a certificate: a route that requires one
 * answers 403, any other admits as before. With one, the metadata must be bound to it:
 * `tls_client_auth` names the certificate's subject DN or one of its SAN entries and needs
 * a certificate from a trusted CA (§2.1); `self_signed_tls_client_auth` lists its public key
 * in `jwks` (§2.2). The certificate's thumbprint joins the principal; a trusted certificate
 * names the caller (`cert:<x5t#S256>`) where no token did. A self-signed one never does: any
 * caller can make as many as it likes.
 */
export function clientCertificateCheck(settings: ClientCertificateSettings): InboundCheck {
  return async (request, admission) => {
    const certificate = request.clientCertificate;
    if (certificate === undefined) {
      if (settings.required) throw clientCertificateRequired();
      return admission;
    }
    const metadata = metadataOf(admission);
    const method = metadata.token_endpoint_auth_method;
    if (settings.required && !certificate.trusted && method !== 'self_signed_tls_client_auth')
      throw clientCertificateUntrusted();
    if (method === 'tls_client_auth') checkSubject(metadata, certificate);
    if (method === 'self_signed_tls_client_auth') await checkKey(metadata, certificate);
    const thumbprint = certificateThumbprint(certificate.der);
    const named = certificate.trusted && admission.principal.kind === 'open';
    return {
      ...admission,
      principal: {
        ...admission.principal,
        ...(named ? { kind: 'client_certificate', key: `cert:${thumbprint}` } : {}),
        certificateThumbprint: thumbprint,
      },
    };
  };
}

/** The members to register: the body's, with a verified statement's claims over them. */
function metadataOf(admission: Admission): Metadata {
  const body = admission.body;
  const members = typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {};
  return { ...members, ...admission.statement?.claims };
}

/** The registered subject member(s), each as the certificate has it (RFC 8705 §2.1.2). */
const SUBJECT_MATCHERS: Readonly<
  Record<string, (value: string, names: CertificateNames) => boolean>
> = {
  tls_client_auth_subject_dn: (value, names) => {
    const parsed = parseDistinguishedName(value);
    return parsed !== undefined && comparableName(parsed) === comparableName(names.subject);
  },
  // DNS names compare case-insensitively (RFC 5280 §7.2); URIs and e-mail addresses exactly.
  tls_client_auth_san_dns: (value, names) =>
    names.dns.some((dns) => dns.toLowerCase() === value.toLowerCase()),
  tls_client_auth_san_uri: (value, names) => names.uri.includes(value),
  tls_client_auth_san_email: (value, names) => names.email.includes(value),
  // As addresses, so `2001:db8::1` and `2001:0db8:0:0:0:0:0:1` are one.
  tls_client_auth_san_ip: (value, names) => {
    const wanted = addressBytes(value)?.join('.');
    return wanted !== undefined && names.ip.some((ip) => ip.join('.') === wanted);
  },
};

function checkSubject(metadata: Metadata, certificate: ClientCertificate): void {
  if (!certificate.trusted)
    throw invalidMetadata(
      'token_endpoint_auth_method',
      'tls_client_auth needs a client certificate issued by a trusted certificate authority',
    );
  const names = certificateNames(certificate.der);
  for (const [field, matches] of Object.entries(SUBJECT_MATCHERS)) {
    const value = metadata[field];
    // A value of the wrong type is the metadata validator's to refuse, with its own message.
    if (typeof value === 'string' && !matches(value, names))
      throw invalidMetadata(field, 'does not match the client certificate');
  }
}

async function checkKey(metadata: Metadata, certificate: ClientCertificate): Promise<void> {
  const keys = (metadata.jwks as { keys?: unknown } | undefined)?.keys;
  // A jwks_uri would have to be fetched to bind the key now; the inline set is checked at once.
  if (!Array.isArray(keys))
    throw invalidMetadata(
      'jwks',
      'must list the client certificate key for self_signed_tls_client_auth',
    );
  const x509 = new X509Certificate(certificate.der);
  const own = await calculateJwkThumbprint(x509.publicKey.export({ format: 'jwk' }) as JWK);
  const x5c = certificate.der.toString('base64');
  for (const key of keys) {
    if (typeof key !== 'object' || key === null) continue;
    const jwk = key as JWK;
    if (jwk.x5c?.[0] === x5c) return;
    const thumbprint = await calculateJwkThumbprint(jwk).catch(() => undefined);
    if (thumbprint === own) return;
  }
  throw invalidMetadata('jwks', 'does not hold the public key of the client certificate');
}
