import { assemble } from '../../src/assemble.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/default-config.js';
import { listenGateway, startGateway, type TestGateway } from '../support/gateway.js';
import { acquireLemonLdapNg, lemonLdapNgConfig } from '../support/lemonldap-ng/gateway.js';
import { REDIS_URL } from '../support/redis.js';

/**
 * The routes the conformance suites run against, one entry per backend kind. Every suite in
 * this folder runs each scenario on each entry; what a scenario expects from a route comes
 * from its entry only, so a new vendor joins the suites by adding one entry here.
 */
export interface ConformanceRoute {
  /** Shown in test names. */
  readonly name: string;
  /** The route's public prefix: `{prefix}/register` is its RFC 7591 endpoint. */
  readonly prefix: string;
  /**
   * Starts a gateway serving the route, with the route's backend running and the cache in the
   * real Redis. Each call is an independent instance: its own backend and its own RAT key.
   */
  start(options?: StartOptions): Promise<StartedRoute>;
  /** The gateway's `server.body_limit_bytes` for this route. */
  readonly bodyLimitBytes: number;
  readonly backend: BackendFacts;
}

export interface StartOptions {
  /** Lifetime of the registration access tokens the gateway issues; default: no expiry. */
  readonly ratTtlSeconds?: number;
}

export interface StartedRoute {
  readonly gateway: TestGateway;
  /** What an MCP client reads from the authorization server metadata besides the endpoint. */
  readonly endpoints: { readonly authorization_endpoint: string; readonly token_endpoint: string };
  /** Closes the gateway, then the backend. */
  close(): Promise<void>;
}

/** What the backend behind the route does, as the scenarios observe it on the wire. */
export interface BackendFacts {
  /**
   * Members every registered client has unless the request says otherwise: the RFC defaults
   * the gateway sends plus what the backend fills in, as the gateway answers them.
   */
  readonly defaults: Readonly<Record<string, unknown>>;
  /**
   * The backend's capabilities as the gateway is configured with them, in the order the
   * gateway names them when it refuses a value (`supported: ...`).
   */
  readonly capabilities: {
    readonly grant_types: readonly string[];
    readonly token_endpoint_auth_methods: readonly string[];
  };
  /** RFC 7592 §2.2: whether an update issues a new RAT and retires the old one. */
  readonly rotatesRatOnUpdate: boolean;
  /**
   * Members the gateway keeps in its RAT for a backend that does not store them (the mapping's
   * `echo`): an update that changes one answers a new RAT.
   */
  readonly echoes?: readonly string[];
  /**
   * What a web client with an http or localhost redirect URI is registered with instead, on a
   * backend that allows those to native clients only (RFC 8252 §7.3); absent: as sent.
   */
  readonly loopbackWebClient?: Readonly<Record<string, unknown>>;
  /** A scope value the backend registers, for scenarios that send one. */
  readonly scope: string;
  /**
   * Bad inputs the gateway passes on and the backend itself refuses, with the gateway's answer
   * (the vendor's own body never reaches the caller).
   */
  readonly refusals: readonly BackendRefusal[];
}

export interface BackendRefusal {
  readonly name: string;
  /** Merged over a minimal valid request. */
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly error: 'invalid_client_metadata' | 'invalid_redirect_uri';
  readonly description: string;
}

/** What the gateway's policy registers when a request leaves it out (README, Requests). */
const GATEWAY_DEFAULTS = {
  application_type: 'web',
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
} as const;

/**
 * Starts the embedded default with the real Redis, as `npm start` would serve it; `endpoints`
 * names what an MCP client reads from the authorization server metadata of the route's IdP.
 */
async function startEmbedded(
  options: StartOptions,
  endpoints: (sandbox: Sandbox) => StartedRoute['endpoints'],
): Promise<StartedRoute> {
  const sandbox = await startSandbox({ REDIS_URL, PORT: '0' });
  const { config, backends } = sandbox;
  return serveRoute(
    () =>
      listenGateway(
        assemble({ ...config, tokens: { ...config.tokens, ttlSeconds: options.ratTtlSeconds } }),
      ),
    endpoints(sandbox),
    () => Promise.all(backends.map((backend) => backend.close())),
  );
}

/**
 * The embedded default (`dcr-gateway serve` with no config): the real oidc-provider behind the
 * `rfc7591` mapping, registration behind an initial access token only the gateway holds, RAT
 * rotation on. Only the cache differs from `npm start`: the real Redis instead of memory.
 */
const SANDBOX_STANDARD: ConformanceRoute = {
  name: '/sandbox/standard (oidc-provider, rfc7591)',
  prefix: '/sandbox/standard',
  start: (options = {}) =>
    startEmbedded(options, ({ standard }) => ({
      authorization_endpoint: `${standard.baseUrl}/auth`,
      token_endpoint: `${standard.baseUrl}/token`,
    })),
  bodyLimitBytes: 65_536,
  backend: {
    defaults: {
      ...GATEWAY_DEFAULTS,
      id_token_signed_response_alg: 'RS256',
      require_auth_time: false,
      subject_type: 'public',
      post_logout_redirect_uris: [],
      require_pushed_authorization_requests: false,
      dpop_bound_access_tokens: false,
    },
    capabilities: {
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      token_endpoint_auth_methods: [
        'client_secret_basic',
        'client_secret_post',
        'client_secret_jwt',
        'private_key_jwt',
        'none',
      ],
    },
    rotatesRatOnUpdate: true,
    scope: 'openid',
    refusals: [
      {
        name: 'claimed https on loopback for a native client',
        metadata: { application_type: 'native', redirect_uris: ['https://localhost/cb'] },
        error: 'invalid_redirect_uri',
        description: 'the identity provider rejected the redirect URIs',
      },
      {
        name: 'pairwise across hosts without a sector_identifier_uri',
        metadata: {
          subject_type: 'pairwise',
          redirect_uris: ['https://app.example/cb', 'https://other.example/cb'],
        },
        error: 'invalid_client_metadata',
        description: 'the identity provider rejected the client metadata',
      },
    ],
  },
};

/**
 * A real LemonLDAP::NG 2.16 (Debian packages; started once per test file and shared by its
 * gateways) behind the `lemonldap-ng` mapping: the gateway generates the client id and secret,
 * and keeps its own RAT (nothing to rotate at the vendor).
 */
export const LEMONLDAP_NG_ROUTE = '/llng (LemonLDAP::NG 2.16, lemonldap-ng)';
const LEMONLDAP_NG: ConformanceRoute = {
  name: LEMONLDAP_NG_ROUTE,
  prefix: '/llng',
  async start(options = {}) {
    const { llng, release } = await acquireLemonLdapNg();
    const ttl = options.ratTtlSeconds === undefined ? {} : { ttlSeconds: options.ratTtlSeconds };
    return serveRoute(
      () => startGateway(lemonLdapNgConfig(llng, { redis: REDIS_URL, ...ttl })),
      {
        authorization_endpoint: `${llng.portalUrl}/oauth2/authorize`,
        token_endpoint: `${llng.portalUrl}/oauth2/token`,
      },
      release,
    );
  },
  bodyLimitBytes: 65_536,
  backend: {
    defaults: {
      ...GATEWAY_DEFAULTS,
      id_token_signed_response_alg: 'RS256',
    },
    capabilities: {
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      token_endpoint_auth_methods: ['client_secret_basic', 'client_secret_post', 'none'],
    },
    rotatesRatOnUpdate: false,
    scope: 'openid',
    refusals: [
      {
        name: 'a client without redirect URIs (every relying party needs one)',
        metadata: { grant_types: ['client_credentials'], response_types: [], redirect_uris: [] },
        error: 'invalid_client_metadata',
        description: 'the identity provider rejected the client metadata',
      },
    ],
  },
};

/**
 * The embedded default's ForgeRock AM route: the strict AM simulator (realm alpha, access-token
 * registration with the registration service client's token) behind `forgerock-am.yaml`.
 */
export const FORGEROCK_AM_ROUTE = '/sandbox/forgerock-am (AM simulator, forgerock-am)';
const SANDBOX_FORGEROCK_AM: ConformanceRoute = {
  name: FORGEROCK_AM_ROUTE,
  prefix: '/sandbox/forgerock-am',
  start: (options = {}) =>
    startEmbedded(options, ({ forgerockAm }) => ({
      authorization_endpoint: `${forgerockAm.baseUrl}${forgerockAm.realmPath}/authorize`,
      token_endpoint: `${forgerockAm.baseUrl}${forgerockAm.realmPath}/access_token`,
    })),
  bodyLimitBytes: 65_536,
  backend: {
    defaults: {
      ...GATEWAY_DEFAULTS,
      // AM's default scopes, in the order AM answers them (the simulator's stand-in order).
      scope: 'email profile openid phone address',
      subject_type: 'public',
      id_token_signed_response_alg: 'RS256',
      authorization_signed_response_alg: 'RS256',
      require_pushed_authorization_requests: false,
      tls_client_certificate_bound_access_tokens: false,
      backchannel_logout_session_required: false,
    },
    capabilities: {
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      token_endpoint_auth_methods: [
        'client_secret_basic',
        'client_secret_post',
        'client_secret_jwt',
        'private_key_jwt',
        'tls_client_auth',
        'self_signed_tls_client_auth',
        'none',
      ],
    },
    rotatesRatOnUpdate: true,
    scope: 'openid',
    refusals: [
      {
        name: 'a public client with an HMAC algorithm keyed by a secret it does not have',
        metadata: { token_endpoint_auth_method: 'none', id_token_signed_response_alg: 'HS256' },
        error: 'invalid_client_metadata',
        description: 'the identity provider rejected the client metadata',
      },
    ],
  },
};

/** Starts the gateway of a route whose backend runs; the backend stops if the gateway cannot start. */
async function serveRoute(
  start: () => Promise<TestGateway>,
  endpoints: StartedRoute['endpoints'],
  closeBackend: () => Promise<unknown>,
): Promise<StartedRoute> {
  let gateway: TestGateway;
  try {
    gateway = await start();
  } catch (error) {
    await closeBackend();
    throw error;
  }
  return {
    gateway,
    endpoints,
    close: async () => {
      await gateway.close();
      await closeBackend();
    },
  };
}

/**
 * The embedded default's SimpleIdServer route: the strict simulator of
 * `src/sandbox/simpleidserver/` behind `mappings/simpleidserver.yaml`, its admin token from the
 * realm's token endpoint with scope `register`. It keeps its RAT on update, refuses http and
 * localhost redirect URIs for web clients (so the mapping registers those as native), and
 * refuses an encryption `enc` without its `alg`.
 */
export const SIMPLEIDSERVER_ROUTE =
  '/sandbox/simpleidserver (SimpleIdServer simulator, simpleidserver)';
const SANDBOX_SIMPLEIDSERVER: ConformanceRoute = {
  name: SIMPLEIDSERVER_ROUTE,
  prefix: '/sandbox/simpleidserver',
  start: (options = {}) =>
    startEmbedded(options, ({ simpleidserver }) => ({
      authorization_endpoint: `${simpleidserver.baseUrl}/authorization`,
      token_endpoint: `${simpleidserver.baseUrl}/token`,
    })),
  bodyLimitBytes: 65_536,
  backend: {
    defaults: GATEWAY_DEFAULTS,
    capabilities: {
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      token_endpoint_auth_methods: [
        'client_secret_basic',
        'client_secret_post',
        'client_secret_jwt',
        'private_key_jwt',
        'none',
      ],
    },
    rotatesRatOnUpdate: false,
    scope: 'openid',
    loopbackWebClient: { application_type: 'native' },
    refusals: [
      {
        name: 'an id_token enc without its alg',
        metadata: { id_token_encrypted_response_enc: 'A128CBC-HS256' },
        error: 'invalid_client_metadata',
        description: 'the identity provider rejected the client metadata',
      },
    ],
  },
};

/**
 * The embedded default's nevisMeta route: the strict simulator of `src/sandbox/nevis/` behind
 * `mappings/nevis.yaml`: create on V3, then the entity id looked up and kept in the gateway's
 * RAT, managed on V2 (full-replace edits). nevisMeta requires a client_name, so a client
 * registered without one (and without a software_id) is named by the mapping's default.
 */
export const NEVIS_ROUTE = '/sandbox/nevis (nevisMeta simulator, nevis)';
const SANDBOX_NEVIS: ConformanceRoute = {
  name: NEVIS_ROUTE,
  prefix: '/sandbox/nevis',
  start: (options = {}) =>
    startEmbedded(options, ({ nevis }) => ({
      authorization_endpoint: `${nevis.baseUrl}/oauth/authorize`,
      token_endpoint: `${nevis.baseUrl}/oauth/token`,
    })),
  bodyLimitBytes: 65_536,
  backend: {
    defaults: { ...GATEWAY_DEFAULTS, client_name: 'DCR client' },
    capabilities: {
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      token_endpoint_auth_methods: [
        'client_secret_basic',
        'client_secret_post',
        'client_secret_jwt',
        'private_key_jwt',
        'none',
      ],
    },
    rotatesRatOnUpdate: false,
    scope: 'openid',
    refusals: [
      {
        name: 'a client_name longer than its column (255 characters)',
        metadata: { client_name: 'n'.repeat(256) },
        error: 'invalid_client_metadata',
        description: 'the identity provider rejected the client metadata',
      },
    ],
  },
};

/**
 * The embedded default's IBM Verify route: the strict tenant simulator of
 * `src/sandbox/ibm-verify/` behind `mappings/ibm-verify.yaml`, managed with the admin API
 * client's token (no vendor RAT, so the gateway's RAT does not rotate). A public client is
 * IBM's `default` method with PKCE enforced, answered as `none` without IBM's secret.
 */
export const IBM_VERIFY_ROUTE = '/sandbox/ibm-verify (IBM Verify simulator, ibm-verify)';
const SANDBOX_IBM_VERIFY: ConformanceRoute = {
  name: IBM_VERIFY_ROUTE,
  prefix: '/sandbox/ibm-verify',
  start: (options = {}) =>
    startEmbedded(options, ({ ibmVerify }) => ({
      authorization_endpoint: `${ibmVerify.baseUrl}/oauth2/authorize`,
      token_endpoint: `${ibmVerify.baseUrl}/oauth2/token`,
    })),
  bodyLimitBytes: 65_536,
  backend: {
    defaults: GATEWAY_DEFAULTS,
    capabilities: {
      grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_methods: [
        'client_secret_basic',
        'client_secret_post',
        'private_key_jwt',
        'none',
      ],
    },
    rotatesRatOnUpdate: false,
    echoes: ['application_type', 'client_uri', 'logo_uri', 'tos_uri', 'policy_uri', 'contacts'],
    scope: 'openid',
    // The mapping refuses or drops before the call whatever this tenant would refuse.
    refusals: [],
  },
};

export const ROUTES: readonly ConformanceRoute[] = [
  SANDBOX_STANDARD,
  LEMONLDAP_NG,
  SANDBOX_FORGEROCK_AM,
  SANDBOX_SIMPLEIDSERVER,
  SANDBOX_NEVIS,
  SANDBOX_IBM_VERIFY,
];

/** `ROUTES` as `[name, route]` rows for `describe.each(eachRoute())('%s', (_name, route) => ...)`. */
export const eachRoute = (): (readonly [string, ConformanceRoute])[] =>
  ROUTES.map((route) => [route.name, route] as const);
