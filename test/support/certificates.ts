import { execFileSync } from 'node:child_process';
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';

/** A certificate and its key, as PEM files in the test's directory and as text. */
export interface Issued {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: string;
  readonly key: string;
  /** The certificate's DER, base64 (an `x5c` entry). */
  readonly der: string;
  /** The certificate's public key as a JWK. */
  readonly jwk: JsonWebKey;
}

/** Everything the mutual TLS tests present, made with the openssl CLI into a temporary folder. */
export interface TestPki {
  readonly dir: string;
  /** The CA the gateway trusts for client certificates (`client_ca`). */
  readonly ca: Issued;
  /** Signed by `ca`; subject and SANs as in `CLIENT_NAMES`. */
  readonly client: Issued;
  /** Self-signed, with the same subject as `client`. */
  readonly selfSigned: Issued;
  /** Same subject as `client`, from a CA the gateway does not trust. */
  readonly rogue: Issued;
  /** The gateway's own certificate for 127.0.0.1 and localhost, signed by `ca`. */
  readonly server: Issued;
}

/** The client certificate's names, as its subject DN (RFC 4514) and SAN entries say them. */
export const CLIENT_NAMES = {
  tls_client_auth_subject_dn: 'CN=client-1,OU=Payments,O=Example\\, Inc.,C=DE',
  tls_client_auth_san_dns: 'client.example',
  tls_client_auth_san_uri: 'https://client.example/id',
  tls_client_auth_san_ip: '2001:db8::1',
  tls_client_auth_san_email: 'ops@client.example',
} as const;

/**
 * Routes on a backend `std`: `/idp` open (a presented certificate is checked), `/strict`
 * requiring a certificate.
 */
export const CERTIFICATE_ROUTES = {
  main: { prefix: '/idp', backend: 'std' },
  strict: {
    prefix: '/strict',
    backend: 'std',
    registration: { open: true, client_certificate: { required: true } },
  },
};

const CLIENT_SUBJECT = '/C=DE/O=Example, Inc./OU=Payments/CN=client-1';
const CLIENT_SANS =
  'subjectAltName=DNS:client.example,URI:https://client.example/id,IP:192.0.2.10,IP:2001:db8::1,email:ops@client.example';
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

const openssl = (dir: string, args: string[]) =>
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });

function read(dir: string, name: string): Issued {
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}.key`);
  const cert = readFileSync(certFile, 'utf8');
  return {
    certFile,
    keyFile,
    cert,
    key: readFileSync(keyFile, 'utf8'),
    der: cert.replace(/-----[A-Z ]+-----|\s/g, ''),
    jwk: createPublicKey(cert).export({ format: 'jwk' }),
  };
}

function selfSigned(dir: string, name: string, subject: string, extensions: string[]): Issued {
  openssl(
    dir,
    ['req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.pem`]
      .concat(['-subj', subject, '-days', '2'])
      .concat(extensions.flatMap((extension) => ['-addext', extension])),
  );
  return read(dir, name);
}

function signed(dir: string, name: string, issuer: string, subject: string, ext: string): Issued {
  writeFileSync(join(dir, `${name}.ext`), `${ext}\n`);
  openssl(dir, [
    'req',
    '-new',
    ...EC,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    subject,
  ]);
  openssl(
    dir,
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${issuer}.pem`,
      '-CAkey',
      `${issuer}.key`,
    ].concat(['-CAcreateserial', '-days', '2', '-out', `${name}.pem`, '-extfile', `${name}.ext`]),
  );
  return read(dir, name);
}

const CA_EXTENSIONS = ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign'];

/** Makes the test PKI (a few openssl runs, well under a second). */
export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'dcrgw-pki-'));
  const ca = selfSigned(dir, 'ca', '/CN=Test Client CA', CA_EXTENSIONS);
  selfSigned(dir, 'rogue-ca', '/CN=Test Client CA', CA_EXTENSIONS);
  return {
    dir,
    ca,
    client: signed(dir, 'client', 'ca', CLIENT_SUBJECT, CLIENT_SANS),
    selfSigned: selfSigned(dir, 'self-signed', CLIENT_SUBJECT, []),
    rogue: signed(dir, 'rogue', 'rogue-ca', CLIENT_SUBJECT, CLIENT_SANS),
    server: signed(
      dir,
      'server',
      'ca',
      '/CN=localhost',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ),
  };
}

/** A fetch over TLS that trusts `ca` and presents `client` (none when undefined). */
export function tlsFetch(ca: Issued, client?: Issued): typeof fetch {
  const dispatcher = new Agent({
    connect: { ca: ca.cert, ...(client && { cert: client.cert, key: client.key }) },
  });
  return ((input: string | URL | Request, init?: RequestInit) =>
    undiciFetch(input as string, { ...(init as object), dispatcher })) as unknown as typeof fetch;
}
