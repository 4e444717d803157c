import { isIP } from 'node:net';
import { z } from 'zod';
import { ASYMMETRIC_JWS_ALGORITHMS, HMAC_JWS_ALGORITHMS } from '../lib/jws-algorithms.js';

/** Secrets come from the environment or a file, never from the config text itself. */
export const secretRef = z.union(
  [z.strictObject({ env: z.string().min(1) }), z.strictObject({ file: z.string().min(1) })],
  { error: 'expected { env: NAME } or { file: PATH } (secrets are never written inline)' },
);
export type SecretRef = z.infer<typeof secretRef>;

/**
 * Where the public keys that verify a JWT come from (initial access tokens, software statement
 * publishers): written inline, read from a file at start, or fetched from a URI through the
 * route's outbound-URL policy.
 */
export const jwksSource = z.union(
  [
    z.strictObject({
      inline: z.strictObject({ keys: z.array(z.looseObject({ kty: z.string() })).min(1) }),
    }),
    z.strictObject({ file: z.string().min(1) }),
    z.strictObject({ uri: z.url({ protocol: /^https?$/, error: 'an absolute http(s) URL' }) }),
  ],
  { error: 'expected { inline: { keys: [...] } }, { file: PATH } or { uri: URL }' },
);
export type JwksSourceSection = z.infer<typeof jwksSource>;

/** RFC 6749 §3.3 scope-token: printable ASCII without space, quote or backslash. */
const scopeToken = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'one scope token');
const skewSeconds = z
  .number()
  .int()
  .min(0)
  .max(600)
  .default(60)
  .describe('seconds of clock difference tolerated on exp, nbf and iat');

const id = z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only');
const prefix = z
  .string()
  .regex(/^(\/[A-Za-z0-9._~-]+)+$/, 'a path such as /idp or /tenants/a (no trailing slash)');
const milliseconds = (fallback: number, what: string) =>
  z.number().int().positive().default(fallback).describe(`milliseconds ${what}`);
/** `Host` as RFC 9110 §7.2 has it (a name, IPv4 or bracketed IPv6, optional port), or `:*`. */
const TRUSTED_HOST =
  /^([a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(:(\d{1,5}|\*))?$/i;
const url = z.url({ protocol: /^https?$/, error: 'an absolute http(s) URL' });

export const backendSchema = z.strictObject({
  mapping: z
    .string()
    .min(1)
    .describe('a bundled mapping id (e.g. rfc7591) or a path to a .yaml file'),
  base_url: url,
  parameters: z.record(z.string(), z.string()).default({}),
  admin: z
    .strictObject({
      token: secretRef.optional(),
      username: z.string().optional(),
      password: secretRef.optional(),
      client_id: z.string().optional(),
      client_secret: secretRef.optional(),
    })
    .default({}),
  timeouts: z
    .strictObject({
      connect_ms: milliseconds(2_000, 'to open a connection (counted in request_ms)'),
      request_ms: milliseconds(
        10_000,
        'for a whole vendor call: waiting for a pooled connection, connect, headers and body',
      ),
    })
    .prefault({})
    .describe('a vendor call past these bounds answers 504'),
  max_response_bytes: z.number().int().positive().default(1_048_576),
  max_connections: z
    .number()
    .int()
    .min(1)
    .max(1_024)
    .optional()
    .describe(
      'keep-alive connections to the backend (default 64); calls beyond them wait within request_ms',
    ),
  retries: z
    .strictObject({
      max: z.number().int().min(0).max(5).default(2).describe('tries after the first'),
      base_delay_ms: z
        .number()
        .int()
        .min(1)
        .max(5_000)
        .default(50)
        .describe('retry n waits a random delay below base_delay_ms * 2^n'),
    })
    .prefault({})
    .describe(
      'GET, PUT and DELETE vendor calls tried again after a refused, reset or dropped connection or a 502/503/504, within request_ms; a create (POST) never',
    ),
  circuit_breaker: z
    .union([
      z.strictObject({
        failure_threshold: z
          .number()
          .int()
          .min(1)
          .default(5)
          .describe('consecutive failed calls (no answer, timeout, 5xx) that open it'),
        open_seconds: z
          .number()
          .int()
          .min(1)
          .max(3_600)
          .default(10)
          .describe('calls fail at once with 503 for this long, then one probe may try'),
      }),
      z.literal(false),
    ])
    .default({ failure_threshold: 5, open_seconds: 10 })
    .describe('fail fast while the backend is down; false: off'),
  capabilities: z
    .strictObject({
      grant_types: z.array(z.string()).optional(),
      response_types: z.array(z.string()).optional(),
      token_endpoint_auth_methods: z.array(z.string()).optional(),
      scopes: z
        .array(z.string().min(1))
        .optional()
        .describe('the scope values this instance knows (within the mapping list, if it has one)'),
    })
    .optional()
    .describe("narrows the mapping's capabilities to what this instance allows"),
});
export type BackendSection = z.infer<typeof backendSchema>;

/** At most `max` in a fixed window; `false` turns the limit off. */
const limitWindow = (what: string) =>
  z
    .union(
      [
        z.strictObject({
          max: z.number().int().positive(),
          window_seconds: z.number().int().positive(),
        }),
        z.literal(false),
      ],
      { error: 'expected { max, window_seconds } or false' },
    )
    .optional()
    .describe(
      `${what} per caller; default on open routes as in README (Security), none with initial access tokens`,
    );

/** A trusted proxy: one address or a CIDR block, IPv4 or IPv6 (no zone: proxy-addr takes none). */
const proxyAddress = z
  .string()
  .refine(isProxyAddress, 'expected an IP address or a CIDR block such as 10.0.0.0/8');

function isProxyAddress(text: string): boolean {
  const [address = '', bits, ...more] = text.split('/');
  const family = address.includes('%') ? 0 : isIP(address);
  if (family === 0 || more.length > 0) return false;
  return (
    bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128))
  );
}

/**
 * RFC 8705 client certificates on a route: a presented certificate is always bound to the
 * metadata (tls_client_auth names it, self_signed_tls_client_auth lists its key); `required`
 * refuses registrations without one.
 */
const clientCertificate = z
  .strictObject({
    required: z
      .boolean()
      .default(false)
      .describe('no registration without a client certificate (403 access_denied)'),
  })
  .optional()
  .describe('client certificates (server.tls or server.client_certificate_header)');

/**
 * A software statement publisher the route trusts (RFC 7591 §2.3): its `iss`, and either its
 * public keys (asymmetric algorithms) or a shared secret (HMAC), never both, so a public key
 * can never be used as an HMAC secret.
 */
const statementPublisher = z
  .strictObject({
    issuer: z.string().min(1).describe('the iss of the statements this publisher signs'),
    jwks: jwksSource.optional().describe("the publisher's public keys (asymmetric algorithms)"),
    secret: secretRef.optional().describe('a shared secret (HS256, HS384, HS512)'),
    algorithms: z
      .array(z.enum([...ASYMMETRIC_JWS_ALGORITHMS, ...HMAC_JWS_ALGORITHMS]))
      .min(1)
      .describe('JWS algorithms accepted (none is never accepted)'),
    required_claims: z
      .array(z.string().min(1))
      .default([])
      .describe('claims every statement must carry, e.g. software_id'),
    clock_skew_seconds: skewSeconds,
  })
  .refine((publisher) => (publisher.jwks === undefined) !== (publisher.secret === undefined), {
    error: 'expected jwks or secret, not both',
  })
  .refine(
    (publisher) =>
      publisher.algorithms.every(
        (alg) => (publisher.secret !== undefined) === alg.startsWith('HS'),
      ),
    {
      error: 'HS256/384/512 go with a secret, asymmetric algorithms with jwks; not mixed',
      path: ['algorithms'],
    },
  );

const softwareStatement = z
  .strictObject({
    publishers: z
      .array(statementPublisher)
      .min(1)
      .refine(
        (publishers) => new Set(publishers.map((p) => p.issuer)).size === publishers.length,
        'each issuer once',
      ),
    required: z
      .boolean()
      .default(false)
      .describe('a registration without a software_statement is refused'),
    decryption_key: secretRef
      .optional()
      .describe('a private JWK (JSON) that decrypts JWE statements; without it only JWS'),
  })
  .describe('software statements verified by the gateway; their claims win over the body');

const signedRequests = z
  .strictObject({
    required: z
      .boolean()
      .default(false)
      .describe('a plain JSON registration is refused; only application/jwt'),
    algorithms: z
      .array(z.enum(ASYMMETRIC_JWS_ALGORITHMS))
      .min(1)
      .describe("JWS algorithms of the request (signed with a key of the statement's JWKS)"),
    max_age_seconds: z
      .number()
      .int()
      .positive()
      .max(3600)
      .default(300)
      .describe('how old (iat) a request may be, and how long (exp) it may be valid'),
    clock_skew_seconds: skewSeconds,
  })
  .describe('registration requests as a JWS (Content-Type: application/jwt) carrying a statement');

/** The members that admit a registration by initial access token. */
const TOKEN_MODES = ['initial_access_tokens', 'initial_access_jwt', 'introspection'] as const;

/**
 * Who may register on a route (its inbound authentication). `open: true`, or one or more
 * initial access token modes; other checks (software statements, signed requests, client
 * certificates, field scopes) combine with either.
 */
const registration = z
  .strictObject({
    open: z
      .literal(true)
      .optional()
      .describe('no initial access token needed (the other checks below still apply)'),
    initial_access_tokens: z
      .array(
        z.union([
          secretRef,
          z.strictObject({ sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 hex digits') }),
        ]),
      )
      .min(1)
      .optional()
      .describe('static initial access tokens (Authorization: Bearer), kept as SHA-256 digests'),
    initial_access_jwt: z
      .strictObject({
        issuer: z.string().min(1).describe('the iss every token must carry'),
        audience: z
          .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
          .describe('the aud a token must carry (one of these)'),
        jwks: jwksSource.describe("the issuer's public keys"),
        algorithms: z
          .array(z.enum(ASYMMETRIC_JWS_ALGORITHMS))
          .min(1)
          .describe('JWS algorithms accepted (asymmetric only: none and HS* are never accepted)'),
        clock_skew_seconds: skewSeconds,
        required_scope: scopeToken.optional().describe('a scope every token must grant (403)'),
      })
      .optional()
      .describe('JWT initial access tokens, verified against the issuer JWKS'),
    introspection: z
      .strictObject({
        endpoint: z.url({ protocol: /^https?$/, error: 'an absolute http(s) URL' }),
        client_id: z.string().min(1),
        client_secret: secretRef,
        required_scope: scopeToken.optional().describe('a scope every token must grant (403)'),
        max_cache_seconds: z
          .number()
          .int()
          .min(0)
          .default(60)
          .describe("an active answer is reused until the token's exp, at most this long"),
        timeout_ms: milliseconds(2_000, 'for the introspection call (connect, headers, body)'),
        clock_skew_seconds: skewSeconds,
      })
      .optional()
      .describe('opaque initial access tokens, asked about at an RFC 7662 endpoint'),
    single_use: z
      .boolean()
      .default(false)
      .describe(
        'each initial access token registers once, across instances (needs Redis; 503 without)',
      ),
    field_scopes: z
      .record(
        z.string().regex(/^[a-z][a-z0-9_]*$/, 'a client metadata member such as logo_uri'),
        scopeToken,
      )
      .optional()
      .describe(
        'members only tokens granting a scope may set (member: scope; logo_uri covers logo_uri#fr); 403 insufficient_scope otherwise, and an update may not change them',
      ),
    client_certificate: clientCertificate,
    software_statement: softwareStatement.optional(),
    signed_requests: signedRequests.optional(),
  })
  .refine(
    (section) =>
      (section.open === true) !== TOKEN_MODES.some((mode) => section[mode] !== undefined),
    {
      error: `expected open: true or an initial access token mode (${TOKEN_MODES.join(', ')}), not both`,
    },
  )
  .refine((section) => !section.single_use || section.open !== true, {
    error: 'single_use applies to initial access tokens; an open route has none',
  })
  .refine((section) => section.field_scopes === undefined || section.open !== true, {
    error: 'field_scopes are granted by initial access tokens; an open route has none',
  })
  .refine((section) => !section.signed_requests || section.software_statement, {
    error: "signed_requests need software_statement publishers (the key is the statement's)",
    path: ['signed_requests'],
  });

/** `app.example`, `*.app.example` (names below it) or an IP address, checked again at start. */
const hostPattern = z
  .string()
  .regex(/^(\*\.)?[A-Za-z0-9.:[\]-]+$/, 'a host name, an IP address or *.domain');

const outboundUrls = z
  .strictObject({
    allow_loopback: z
      .boolean()
      .default(false)
      .describe('accept loopback addresses and localhost names, over http or https'),
    allow_private: z
      .boolean()
      .default(false)
      .describe('accept RFC 1918, CGNAT (100.64/10), IPv6 ULA and site-local addresses'),
    allow_hosts: z
      .record(z.string().min(1), z.array(hostPattern).min(1))
      .optional()
      .describe(
        'per metadata member (jwks_uri, logo_uri covering logo_uri#fr, ...) or * for the others: the only hosts accepted',
      ),
    deny_hosts: z.array(hostPattern).default([]).describe('hosts refused in every member'),
    resolve_timeout_ms: milliseconds(1_000, 'a request waits for its host lookups (run at once)'),
    unresolvable: z
      .enum(['refuse', 'accept'])
      .default('refuse')
      .describe(
        'a host that does not resolve in time: refuse, or accept where the IdP shares the gateway resolver',
      ),
  })
  .prefault({})
  .describe('URLs the IdP may fetch (jwks_uri, sector_identifier_uri, logo_uri, ...)');
export type OutboundUrlsSection = z.infer<typeof outboundUrls>;

/** Longest an idempotency record is kept: a retry comes within hours, not weeks. */
const MAX_IDEMPOTENCY_TTL_SECONDS = 7 * 24 * 3600;

/**
 * `Idempotency-Key` on `POST {prefix}/register`, on by default (across instances with Redis,
 * per instance without); `false` ignores the header. README: Idempotency.
 */
export const idempotencySection = z
  .union(
    [
      z
        .strictObject({
          ttl_seconds: z
            .number()
            .int()
            .positive()
            .max(MAX_IDEMPOTENCY_TTL_SECONDS)
            .default(86_400)
            .describe('a 201 is replayed to requests with the same key this long'),
          lease_seconds: z
            .number()
            .int()
            .positive()
            .max(600)
            .default(60)
            .describe(
              'a request holds its key this long while it runs (above the longest create); then another may run',
            ),
          wait_seconds: z
            .number()
            .int()
            .min(0)
            .max(600)
            .default(10)
            .describe('a repeat waits this long for the first to finish, then answers 409'),
          duplicate_window_seconds: z
            .number()
            .int()
            .positive()
            .max(MAX_IDEMPOTENCY_TTL_SECONDS)
            .optional()
            .describe(
              'without a key, the same metadata from the same caller within this window gets the first answer (off by default)',
            ),
        })
        .refine((section) => section.wait_seconds <= section.lease_seconds, {
          message: 'must not exceed lease_seconds (a lease that ran out is claimed again)',
          path: ['wait_seconds'],
        }),
      z.literal(false),
    ],
    {
      error:
        'expected { ttl_seconds, lease_seconds, wait_seconds, duplicate_window_seconds } or false',
    },
  )
  .prefault({})
  .describe('Idempotency-Key on registration');

const route = z.strictObject({
  prefix,
  backend: id,
  registration,
  registration_policy: z
    .enum(['substitute', 'strict'])
    .default('substitute')
    .describe(
      'substitute: replace what the backend cannot honour where a usable client remains (RFC 7591 section 3.2.1); strict: refuse it',
    ),
  dry_run: z
    .boolean()
    .default(false)
    .describe('answer requests with X-Dry-Run: true with the vendor requests, sending none'),
  software_statements: z
    .enum(['ignore', 'pass_through'])
    .default('ignore')
    .describe(
      'ignore: drop a software_statement (RFC 7591 section 3.1.1); pass_through: hand it, checked for shape only, to an IdP whose mapping sends it (the IdP verifies it)',
    ),
  outbound_urls: outboundUrls,
  rate_limit: limitWindow('POST {prefix}/register requests'),
  management_rate_limit: limitWindow('RFC 7592 GET, PUT and DELETE requests'),
  quota: z
    .strictObject({
      max_clients: z.number().int().positive(),
      window_seconds: z.number().int().positive(),
    })
    .optional()
    .describe('clients created per caller; none by default'),
  idempotency: idempotencySection,
});

/** A path the IdP serves, such as /reg or /connect/register (no trailing slash). */
const idpPath = z
  .string()
  .regex(/^(\/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)+$/, 'a path such as /reg (no trailing slash)');

const site = z.strictObject({
  issuer: url
    .refine((text) => !/[?#]/.test(text), 'an issuer has no query or fragment (RFC 8414 section 2)')
    .describe(
      'the IdP issuer exactly as clients know it; the site serves its origin and discovery below its path',
    ),
  hosts: z
    .array(
      z
        .string()
        .regex(
          TRUSTED_HOST,
          'a Host value: name, IPv4 or [IPv6], optionally :port or :* (any port)',
        ),
    )
    .min(1)
    .optional()
    .describe("the Host values the site answers; default the issuer's host"),
  route: id.describe('the route whose registration endpoint the site serves'),
  upstream: url
    .refine(
      (text) => new URL(text).pathname === '/' && !/[?#]/.test(text),
      'an origin: scheme, host and port only',
    )
    .optional()
    .describe(
      "the IdP origin every other path streams to; default the origin of the route backend's base_url (set it when the admin API lives elsewhere, as LemonLDAP::NG's Manager)",
    ),
  preserve_host: z
    .boolean()
    .default(false)
    .describe(
      "send the caller's Host to the IdP (as a reverse proxy with passHostHeader); false: the upstream's, the public one in X-Forwarded-Host",
    ),
  idp_registration: z
    .strictObject({
      paths: z
        .array(idpPath)
        .default([])
        .describe("the IdP's own registration endpoint(s), e.g. /reg (and /reg/{id} below each)"),
      action: z
        .enum(['take_over', 'refuse'])
        .default('take_over')
        .describe('take_over: the gateway answers them as its own; refuse: 404'),
    })
    .prefault({})
    .describe('no client reaches the IdP registration around the gateway policy'),
  discovery: z
    .strictObject({
      ttl_seconds: z
        .number()
        .int()
        .positive()
        .default(300)
        .describe('a fetched metadata document is served this long'),
      stale_seconds: z
        .number()
        .int()
        .min(0)
        .default(3_600)
        .describe('then, while the IdP fails, served stale this much longer'),
      timeout_ms: milliseconds(5_000, 'to fetch the IdP metadata (connect, headers and body)'),
    })
    .prefault({}),
  cors: z
    .strictObject({
      allowed_origins: z
        .array(z.union([z.literal('*'), url]))
        .default([])
        .describe('browser origins allowed to call discovery and registration; * for any'),
    })
    .prefault({}),
});
export type SiteSection = z.infer<typeof site>;

const filePath = z.string().min(1);

/** HTTPS on the gateway's own listener, asking callers for client certificates (RFC 8705). */
const serverTls = z
  .strictObject({
    certificate: filePath.describe('PEM file: the server certificate, then its chain'),
    key: secretRef.describe("the server certificate's private key, PEM"),
    client_ca: filePath
      .optional()
      .describe(
        'PEM file of the CAs client certificates are verified against (tls_client_auth); without it none is trusted',
      ),
    request_client_certificate: z
      .boolean()
      .default(false)
      .describe('ask callers for a certificate (never required at TLS level: the gateway answers)'),
  })
  .optional()
  .describe('terminate TLS; plain HTTP without it');

/** An HTTP header name as fastify hands it over: a lower-case token (RFC 9110 §5.1). */
const headerName = z
  .string()
  .regex(/^[a-z0-9!#$%&'*+.^_`|~-]+$/, 'a lower-case header name such as x-client-cert');

/** A client certificate forwarded by a TLS-terminating proxy in front of the gateway. */
const clientCertificateHeader = z
  .strictObject({
    name: headerName.describe(
      "holds the PEM, URL-encoded PEM (nginx $ssl_client_escaped_cert) or Envoy's XFCC Cert=",
    ),
    trusted_proxies: z
      .array(proxyAddress)
      .min(1)
      .describe('only connections from these addresses may set it; from others it is ignored'),
    client_ca: filePath
      .optional()
      .describe(
        "PEM file of issuing CAs to check forwarded certificates; without it the proxy's verification is trusted",
      ),
  })
  .optional()
  .describe('read client certificates from a header set by trusted proxies');

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8080),
      public_url: url
        .optional()
        .describe('how callers reach the gateway: the base of registration_client_uri'),
      trusted_hosts: z
        .array(
          z
            .string()
            .regex(
              TRUSTED_HOST,
              'a host as callers send it in Host: name, IPv4 or [IPv6], optionally :port or :* (any port)',
            ),
        )
        .min(1)
        .optional()
        .describe('without public_url: the Host values registration_client_uri may be built from'),
      body_limit_bytes: z.number().int().positive().max(1_048_576).default(65_536),
      trust_proxy: z
        .union([z.literal(false), z.array(proxyAddress).min(1)], {
          // `true` would take any X-Forwarded-For as the caller, so each caller picks its own
          // rate-limit key.
          error:
            'expected false or a list of trusted proxy addresses or CIDR blocks (true is refused: it would trust X-Forwarded-For from anyone)',
        })
        .default(false)
        .describe('proxies whose X-Forwarded-For names the caller'),
      log_level: z
        .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
        .default('info'),
      audit_log: z
        .union([
          z.enum(['stdout', 'stderr', 'off']),
          z.strictObject({ file: z.string().min(1).describe('appended; created if missing') }),
        ])
        .default('stdout')
        .describe(
          'one JSON line per registration and management call ("log":"audit"), whatever the log level',
        ),
      timeouts: z
        .strictObject({
          headers_ms: milliseconds(10_000, 'to receive the request line and headers'),
          body_ms: milliseconds(10_000, 'to receive the body once the headers are in'),
          request_ms: milliseconds(20_000, 'to receive the whole request'),
          keep_alive_ms: milliseconds(
            72_000,
            'an idle connection stays open between requests (above a load balancer idle timeout)',
          ),
        })
        .prefault({})
        .refine((timeouts) => timeouts.headers_ms <= timeouts.request_ms, {
          message: 'must not exceed request_ms (the whole request includes its headers)',
          path: ['headers_ms'],
        })
        .describe('slow clients get 408 within these bounds'),
      max_connections: z
        .number()
        .int()
        .positive()
        .default(4096)
        .describe('open client connections; more are closed at once'),
      shutdown_grace_ms: milliseconds(
        10_000,
        'requests in flight may take to finish on SIGTERM (and on the old config after SIGHUP)',
      ),
      tls: serverTls,
      client_certificate_header: clientCertificateHeader,
    })
    .prefault({}),
  cache: z
    .strictObject({
      redis_url: secretRef
        .optional()
        .describe('overridden by REDIS_URL; in-memory when neither is set'),
      read_ttl_seconds: z.number().int().min(0).default(60).describe('0 turns the read cache off'),
      command_timeout_ms: z.number().int().positive().default(500),
    })
    .default({ read_ttl_seconds: 60, command_timeout_ms: 500 }),
  metrics: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z
        .number()
        .int()
        .min(0)
        .max(65535)
        .optional()
        .describe('serve /metrics on a listener of its own at host:port, not on the main one'),
      token: secretRef.optional().describe('a bearer token /metrics then requires'),
    })
    .prefault({})
    .describe('by default /metrics is served on the main listener to anyone'),
  registration_tokens: z.strictObject({
    keys: z
      .array(
        z.strictObject({ kid: id, secret: secretRef.describe('base64url of 32 random bytes') }),
      )
      .min(1)
      .describe('the first key encrypts; every key decrypts'),
    ttl_seconds: z.number().int().positive().optional(),
  }),
  backends: z
    .record(id, backendSchema)
    .refine((b) => Object.keys(b).length > 0, 'at least one backend'),
  routes: z.record(id, route).refine((r) => Object.keys(r).length > 0, 'at least one route'),
  sites: z
    .record(id, site)
    .default({})
    .describe(
      'origins of IdPs the gateway fronts: registration and discovery its own, the rest passed through',
    ),
});
export type ConfigFile = z.infer<typeof configSchema>;
