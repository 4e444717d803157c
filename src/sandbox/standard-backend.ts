import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { errors, type ClientAuthMethod } from 'oidc-provider';

export interface StandardBackend {
  /** Where the gateway calls it: its own loopback origin. */
  readonly baseUrl: string;
  /** Its issuer: `baseUrl`, or the public origin of a site that fronts it. */
  readonly issuer: string;
  /** The initial access token registrations need; the gateway holds it as its admin credential. */
  readonly initialAccessToken: string;
  /** What this oidc-provider is configured to register, for the backend's capabilities. */
  readonly capabilities: {
    readonly grant_types: string[];
    readonly response_types: string[];
    readonly token_endpoint_auth_methods: string[];
    /** The scope values this oidc-provider knows: others would make it refuse the client. */
    readonly scopes: string[];
  };
  /** Clients registered and not deleted since start (what a test checks no extra one exists by). */
  clientCount(): number;
  close(): Promise<void>;
}

export interface StandardBackendOptions {
  readonly port?: number;
  readonly initialAccessToken?: string;
  /** Whether an update hands out a new vendor RAT (default); some servers keep theirs. */
  readonly rotateRegistrationAccessToken?: boolean;
  /**
   * The issuer when a site fronts it (`http://idp.test`): the provider then believes the
   * `X-Forwarded-*` headers the gateway sets, so its endpoints and cookies name the public
   * origin. It listens on loopback only, where only the gateway reaches it.
   */
  readonly issuer?: string;
  /** oidc-provider's development login and consent pages, for flows a test or newcomer drives. */
  readonly devInteractions?: boolean;
  /**
   * Accept RFC 8707 resource indicators naming a loopback URL (an MCP server on this machine,
   * as MCP clients send them), each its own resource server; others stay `invalid_target`.
   */
  readonly loopbackResources?: boolean;
  /**
   * Register the RFC 8705 methods too (tls_client_auth, self_signed_tls_client_auth), for a
   * gateway that checks client certificates at registration. Token requests with them fail:
   * the provider is never handed a certificate.
   */
  readonly mtls?: boolean;
}

const AUTH_METHODS: ClientAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
  'private_key_jwt',
  'none',
];
const MTLS_METHODS: ClientAuthMethod[] = ['tls_client_auth', 'self_signed_tls_client_auth'];

/**
 * A real `oidc-provider` on loopback with dynamic registration behind an initial access token,
 * RFC 7592 management, and registration access token rotation on update: the standard backend
 * of the sandbox and of the end-to-end tests.
 */
export async function startStandardBackend(
  options: StandardBackendOptions = {},
): Promise<StandardBackend> {
  const initialAccessToken = options.initialAccessToken ?? randomBytes(24).toString('base64url');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  const issuer = options.issuer ?? baseUrl;
  const provider = new Provider(issuer, {
    features: {
      registration: { enabled: true, initialAccessToken },
      registrationManagement: {
        enabled: true,
        rotateRegistrationAccessToken: options.rotateRegistrationAccessToken ?? true,
      },
      clientCredentials: { enabled: true },
      mTLS: {
        enabled: options.mtls ?? false,
        tlsClientAuth: true,
        selfSignedTlsClientAuth: true,
        getCertificate: () => undefined,
        certificateAuthorized: () => false,
        certificateSubjectMatches: () => false,
      },
      devInteractions: { enabled: options.devInteractions ?? false },
      resourceIndicators: {
        enabled: options.loopbackResources ?? false,
        getResourceServerInfo: async (_ctx, indicator) => {
          if (!isLoopbackUrl(indicator)) throw new errors.InvalidTarget();
          return { scope: 'openid', audience: indicator, accessTokenFormat: 'opaque' };
        },
      },
    },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    clientAuthMethods: [...AUTH_METHODS, ...(options.mtls ? MTLS_METHODS : [])],
  });
  if (options.issuer !== undefined) provider.proxy = true;
  server.on('request', provider.callback());
  let clients = 0;
  provider.on('registration_create.success', () => clients++);
  provider.on('registration_delete.success', () => clients--);
  return {
    baseUrl,
    issuer,
    initialAccessToken,
    capabilities: {
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      response_types: ['code', 'none'],
      token_endpoint_auth_methods: [...AUTH_METHODS, ...(options.mtls ? MTLS_METHODS : [])],
      scopes: ['openid', 'offline_access'],
    },
    clientCount: () => clients,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function isLoopbackUrl(text: string): boolean {
  try {
    return ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(text).hostname);
  } catch {
    return false;
  }
}
