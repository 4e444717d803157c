import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { startJsonServer, type Reply } from '../json-server.js';
import { sameSecret } from '../../lib/crypto.js';
import { MANAGE_ENTITLEMENT, PATHS, TOKEN_LIFETIME_SECONDS } from './contract.js';
import { claimsOf, clientJson, newClient, storedMetadata, type StoredClient } from './record.js';
import { createAccessTokens, type ApiClient } from './tokens.js';
import { Refusal, validateRequest } from './validate.js';

export interface IbmVerifyOptions {
  readonly port?: number;
  /** The API client the gateway holds (§1); generated, with `manageAppAccessAdmin`, by default. */
  readonly admin?: ApiClient;
  /** More API clients, e.g. one without the entitlement. */
  readonly apiClients?: readonly ApiClient[];
  readonly tokenLifetimeSeconds?: number;
  /** §1 profile `legacy_post_response_code`: a create answers 200 instead of 201. */
  readonly legacyPostResponseCode?: boolean;
  /** §1 profile `allow_custom_client_creds`: a create may choose `client_id` and `client_secret`. */
  readonly allowCustomClientCreds?: boolean;
}

export interface IbmVerify {
  /** The tenant's URL: the base URL the gateway calls. */
  readonly baseUrl: string;
  readonly admin: ApiClient;
  /** What the sandbox tenant registers, for the backend's capabilities. */
  readonly capabilities: {
    readonly grant_types: string[];
    readonly response_types: string[];
    readonly token_endpoint_auth_methods: string[];
    readonly scopes: string[];
  };
  /** Clients held now (what a test checks no extra one exists by). */
  clientCount(): number;
  /** The stored client as GET answers it; `undefined` when there is none. */
  client(clientId: string): Record<string, unknown> | undefined;
  /** Every request body the tenant accepted on `/oauth2/register*`, in order (for tests). */
  readonly accepted: readonly Readonly<Record<string, unknown>>[];
  /** Ends every admin token issued so far, as their expiry would. */
  revokeAdminTokens(): void;
  close(): Promise<void>;
}

/** §5 `Error_0`. */
const ibmError = (status: number, error: string, description: string): Reply => ({
  status,
  body: { error, error_description: description },
});
const NO_TOKEN = ibmError(401, 'invalid_token', 'the access token is missing or not valid');
const NOT_ENTITLED = ibmError(403, 'insufficient_scope', `${MANAGE_ENTITLEMENT} is required`);
const UNKNOWN_CLIENT = ibmError(404, 'invalid_client', 'the client does not exist');
const SERVER_ERROR = ibmError(500, 'server_error', 'unexpected error');
const EMPTY_404: Reply = { status: 404 };
const EMPTY_405: Reply = { status: 405 };
const MANAGEMENT_METHODS: ReadonlySet<string> = new Set(['GET', 'PUT', 'DELETE']);

/**
 * A strict in-memory IBM Security Verify tenant (contract `shared/vendors/ibm-verify.md`): the
 * API-client token endpoint, `POST /oauth2/register` and `GET|PUT|DELETE
 * /oauth2/register/{client_id}` behind a token holding `manageAppAccessAdmin`, with IBM's
 * request schema, defaults and response quirks, and the tenant switches of §1 as options.
 */
export async function startIbmVerify(options: IbmVerifyOptions = {}): Promise<IbmVerify> {
  const admin = options.admin ?? {
    clientId: 'dcr-gateway-api-client',
    clientSecret: randomBytes(24).toString('base64url'),
    entitlements: [MANAGE_ENTITLEMENT, 'readAppConfigAndClientSecret'],
  };
  const apiClients = [admin, ...(options.apiClients ?? [])];
  const tokens = createAccessTokens(options.tokenLifetimeSeconds ?? TOKEN_LIFETIME_SECONDS);
  const clients = new Map<string, StoredClient>();
  const accepted: Record<string, unknown>[] = [];
  const server = await startJsonServer<Reply>({
    port: options.port,
    contentType: 'application/json',
    onBug: SERVER_ERROR,
  });
  const { origin } = server;
  server.serve(route);

  /** §2: exact paths; others 404, other methods 405, both without a body. */
  function route(request: IncomingMessage, body: string): Reply {
    const path = new URL(request.url ?? '/', origin).pathname;
    const method = request.method ?? '';
    if (path === PATHS.token) return method === 'POST' ? token(request, body) : EMPTY_405;
    if (path === PATHS.register) return method === 'POST' ? create(request, body) : EMPTY_405;
    const segment = path.startsWith(PATHS.client) ? path.slice(PATHS.client.length) : '';
    if (segment === '' || segment.includes('/')) return EMPTY_404;
    let clientId: string;
    try {
      clientId = decodeURIComponent(segment);
    } catch {
      return EMPTY_404;
    }
    if (!MANAGEMENT_METHODS.has(method)) return EMPTY_405;
    return manage(method, clientId, request, body);
  }

  /** §1 token request: form `grant_type=client_credentials&client_id=…&client_secret=…`. */
  function token(request: IncomingMessage, body: string): Reply {
    if (mediaType(request) !== 'application/x-www-form-urlencoded')
      return ibmError(400, 'invalid_request', 'the request must be form encoded');
    const form = new URLSearchParams(body);
    const client = apiClients.find((c) => c.clientId === form.get('client_id'));
    const secret = form.get('client_secret');
    if (client === undefined || secret === null || !sameSecret(secret, client.clientSecret))
      return ibmError(401, 'invalid_client', 'the client credentials are not valid');
    if (form.get('grant_type') !== 'client_credentials')
      return ibmError(400, 'unsupported_grant_type', 'the grant type is not supported');
    const issued = tokens.issue(client);
    // §1: required access_token, token_type, expires_in, grant_id.
    return {
      status: 200,
      body: {
        access_token: issued.token,
        token_type: 'Bearer',
        expires_in: issued.expiresIn,
        grant_id: issued.grantId,
      },
    };
  }

  /**
   * The bearer's verdict (§1, §5 [S]): an admin token with the entitlement, one without it
   * (403), no bearer (401), or some other bearer (a RAT, or a dead token).
   */
  function bearerOf(request: IncomingMessage): Verdict {
    const bearer = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (bearer === undefined) return { refused: NO_TOKEN };
    const entitlements = tokens.verify(bearer);
    if (entitlements === undefined) return { other: bearer };
    return entitlements.includes(MANAGE_ENTITLEMENT) ? { admin: true } : { refused: NOT_ENTITLED };
  }

  /** §2 create: 201 (200 with `legacy_post_response_code`) and the client JSON of §4. */
  function create(request: IncomingMessage, body: string): Reply {
    const verdict = bearerOf(request);
    if ('refused' in verdict) return verdict.refused;
    if ('other' in verdict) return NO_TOKEN;
    const parsed = parseBody(request, body);
    if ('reply' in parsed) return parsed.reply;
    const json = parsed.json;
    const refused = refusal(() =>
      validateRequest(json, { allowCustomClientCreds: options.allowCustomClientCreds ?? false }),
    );
    if (refused !== undefined) return refused;
    if (typeof json.client_id === 'string' && clients.has(json.client_id))
      return ibmError(400, 'invalid_client_metadata', 'the client_id is already in use');
    const client = newClient(json);
    clients.set(client.clientId, client);
    accepted.push(json);
    return { status: options.legacyPostResponseCode ? 200 : 201, body: clientJson(client, origin) };
  }

  /**
   * §2 read, update, delete on `/oauth2/register/{client_id}`: the admin token (§2 notes) or
   * the client's own RAT [S]; an unknown client 404 `invalid_client` (§6 [S]); PUT a full
   * replacement answered 200, DELETE 204 with no body.
   */
  function manage(method: string, clientId: string, request: IncomingMessage, body: string): Reply {
    const verdict = bearerOf(request);
    if ('refused' in verdict) return verdict.refused;
    const client = clients.get(clientId);
    if (
      'other' in verdict &&
      !(client && sameSecret(verdict.other, client.registrationAccessToken))
    )
      return NO_TOKEN;
    if (client === undefined) return UNKNOWN_CLIENT;
    if (method === 'GET') return { status: 200, body: clientJson(client, origin) };
    if (method === 'DELETE') {
      clients.delete(clientId);
      return { status: 204 };
    }
    const parsed = parseBody(request, body);
    if ('reply' in parsed) return parsed.reply;
    const refused = refusal(() =>
      validateRequest(parsed.json, {
        allowCustomClientCreds: options.allowCustomClientCreds ?? false,
        current: { clientId: client.clientId, clientSecret: client.clientSecret },
      }),
    );
    if (refused !== undefined) return refused;
    client.metadata = storedMetadata(parsed.json);
    Object.assign(client, claimsOf(parsed.json));
    accepted.push(parsed.json);
    return { status: 200, body: clientJson(client, origin) };
  }

  return {
    baseUrl: origin,
    admin,
    capabilities: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_methods: [
        'client_secret_basic',
        'client_secret_post',
        'private_key_jwt',
        'none',
      ],
      scopes: ['openid', 'offline_access'],
    },
    clientCount: () => clients.size,
    client: (clientId) => {
      const client = clients.get(clientId);
      return client === undefined ? undefined : clientJson(client, origin);
    },
    accepted,
    revokeAdminTokens: () => tokens.revokeAll(),
    close: server.close,
  };
}

type JsonObject = Record<string, unknown>;

type Verdict = { readonly admin: true } | { readonly other: string } | { readonly refused: Reply };

function mediaType(request: IncomingMessage): string {
  return (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/** A JSON object body (§5: bad JSON is a 400 [I: RFC 7591's code]). */
function parseBody(
  request: IncomingMessage,
  body: string,
): { readonly json: JsonObject } | { readonly reply: Reply } {
  const refuse = (description: string) => ({
    reply: ibmError(400, 'invalid_client_metadata', description),
  });
  if (mediaType(request) !== 'application/json')
    return refuse('the request body must be application/json');
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return refuse('the request body is not valid JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return refuse('the request body must be a JSON object');
  return { json: json as JsonObject };
}

function refusal(check: () => void): Reply | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    if (error instanceof Refusal) return ibmError(400, error.error, error.description);
    throw error;
  }
}
