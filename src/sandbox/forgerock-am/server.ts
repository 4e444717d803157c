import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sameSecret } from '../../lib/crypto.js';
import { answer, storedProfile, type StoredClient } from './profile.js';
import {
  AmError,
  checkRegistration,
  REGISTRATION_SCOPE,
  type RealmSettings,
} from './request-rules.js';

/** A realm of the simulated AM: its provider settings and its registration mode (§1). */
export interface RealmConfig extends RealmSettings {
  /** "Allow Open Dynamic Client Registration" (§1; off by default). */
  readonly open: boolean;
}

export interface ForgeRockAmOptions {
  /** Realm paths below `/oauth2` (`/realms/root`, `/realms/root/realms/alpha`, ...) and settings. */
  readonly realms: Readonly<Record<string, RealmConfig>>;
  /** The "registration service" client of every realm (§1), and the scopes it may ask for. */
  readonly service: {
    readonly clientId: string;
    readonly clientSecret: string;
    readonly scopes: readonly string[];
  };
  /** `expires_in` of its access tokens (§1: 3599). */
  readonly tokenLifetimeSeconds?: number;
  /** Makes access tokens, RATs and secrets; tests choose them (say, one too long to keep). */
  readonly mint?: (purpose: 'access_token' | 'rat' | 'secret') => string;
  readonly port?: number;
}

export interface ForgeRockAm {
  /** `http://127.0.0.1:PORT/openam/oauth2`: the base URL a backend names. */
  readonly baseUrl: string;
  /** Clients held now, across realms (what a test checks no extra one exists by). */
  clientCount(): number;
  /** Revokes every access token issued so far, as an AM restart or an admin's revocation does. */
  revokeAccessTokens(): void;
  close(): Promise<void>;
}

/** §1: `{deployment}` of a self-managed AM. */
const PREFIX = '/openam/oauth2';

interface IssuedToken {
  readonly realm: string;
  readonly scopes: readonly string[];
  readonly expiresAt: number;
}

/**
 * A strict, in-memory ForgeRock AM / PingAM `/oauth2/register` (contract
 * `shared/vendors/forgerock-am.md`): per-realm registration behind client-credentials tokens
 * with the `dynamic_client_registration` scope, RFC 7592 management by `?client_id=` with a RAT
 * that rotates on update, and AM's response quirks.
 */
export async function startForgeRockAm(options: ForgeRockAmOptions): Promise<ForgeRockAm> {
  const mint = options.mint ?? (() => randomBytes(24).toString('base64url'));
  const lifetime = options.tokenLifetimeSeconds ?? 3599;
  const tokens = new Map<string, IssuedToken>();
  const clients = new Map<string, StoredClient>();
  const key = (realm: string, id: string) => `${realm} ${id}`;

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://am');
    const match = /^(\/realms\/root(?:\/realms\/[^/]+)*)\/(register|access_token)$/.exec(
      url.pathname.startsWith(PREFIX) ? url.pathname.slice(PREFIX.length) : '',
    );
    const realmPath = match?.[1];
    const realm =
      realmPath !== undefined && Object.hasOwn(options.realms, realmPath)
        ? options.realms[realmPath]
        : undefined;
    if (match === null || realmPath === undefined || realm === undefined)
      return send(response, 404, { code: 404, reason: 'Not Found', message: 'Not Found' });
    const text = await readBody(request);
    if (match[2] === 'access_token') return token(request, response, realmPath, text);
    const clientId = url.searchParams.get('client_id');
    const origin = `http://${request.headers.host ?? 'am'}`;
    const uri = (id: string) =>
      `${origin}${PREFIX}${realmPath}/register?client_id=${encodeURIComponent(id)}`;
    if (request.method === 'POST') {
      // §2: register is a POST without client_id.
      if (clientId !== null) throw new AmError(400, 'invalid_request', 'Unexpected client_id');
      const caller = registrationCaller(request, realmPath, realm);
      const kept = checkRegistration(jsonBody(request, text, true), realm, caller);
      const stored: StoredClient = {
        clientId: randomUUID(),
        clientSecret: kept.client_type === 'Public' ? undefined : mint('secret'),
        registrationAccessToken: mint('rat'),
        profile: storedProfile(kept, realm),
      };
      clients.set(key(realmPath, stored.clientId), stored);
      // §2: 201 (AM-13 source).
      return send(response, 201, answer(stored, 'create', uri(stored.clientId)));
    }
    if (!['GET', 'PUT', 'DELETE'].includes(request.method ?? ''))
      return send(response, 405, { error: 'invalid_request', error_description: 'Not allowed' });
    // §5: GET/PUT/DELETE without client_id.
    if (clientId === null || clientId === '')
      throw new AmError(400, 'invalid_request', 'Missing client_id');
    const stored = clients.get(key(realmPath, clientId));
    const rat = bearer(request);
    // §5 [S]: an unknown client and a RAT that does not match it are alike.
    if (
      stored === undefined ||
      rat === undefined ||
      !sameSecret(rat, stored.registrationAccessToken)
    )
      throw new AmError(401, 'invalid_token', 'Invalid registration access token');
    if (request.method === 'GET') return send(response, 200, answer(stored, 'read', ''));
    if (request.method === 'DELETE') {
      clients.delete(key(realmPath, clientId));
      // §2: 204 No Content.
      response.writeHead(204).end();
      return;
    }
    // §2 update: the body replaces the profile.
    const body = jsonBody(request, text, false);
    if (body.client_id !== undefined && body.client_id !== clientId)
      throw new AmError(400, 'invalid_request', 'client_id does not match');
    const kept = checkRegistration(body, realm, { tokenScopes: [REGISTRATION_SCOPE] });
    stored.profile = storedProfile(kept, realm);
    if (kept.client_type !== 'Public') stored.clientSecret ??= mint('secret');
    // §2: a new RAT; the old one stops working.
    stored.registrationAccessToken = mint('rat');
    send(response, 200, answer(stored, 'update', ''));
  };

  /** §1: client_credentials for the registration service client, per realm. */
  const token = (
    request: IncomingMessage,
    response: ServerResponse,
    realmPath: string,
    text: string,
  ) => {
    if (request.method !== 'POST')
      return send(response, 405, { error: 'invalid_request', error_description: 'Not allowed' });
    const form = new URLSearchParams(text);
    const [user, pass] = basic(request.headers.authorization);
    if (
      user === undefined ||
      !sameSecret(user, options.service.clientId) ||
      !sameSecret(pass ?? '', options.service.clientSecret)
    )
      return send(response, 401, {
        error: 'invalid_client',
        error_description: 'Client authentication failed',
      });
    if (form.get('grant_type') !== 'client_credentials')
      return send(response, 400, {
        error: 'unsupported_grant_type',
        error_description: 'Grant type is not supported',
      });
    const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
    if (scopes.some((scope) => !options.service.scopes.includes(scope)))
      return send(response, 400, { error: 'invalid_scope', error_description: 'Unknown scope' });
    const value = mint('access_token');
    tokens.set(value, { realm: realmPath, scopes, expiresAt: Date.now() + lifetime * 1000 });
    send(response, 200, {
      access_token: value,
      scope: scopes.join(' '),
      token_type: 'Bearer',
      expires_in: lifetime,
    });
  };

  /**
   * §1 modes: a bearer token must be an access token of this realm, unexpired; without one,
   * only an open realm registers. §5 [S]: 401 `invalid_token` otherwise.
   */
  const registrationCaller = (request: IncomingMessage, realmPath: string, realm: RealmConfig) => {
    const value = bearer(request);
    if (value === undefined) {
      if (realm.open) return { tokenScopes: undefined };
      throw new AmError(401, 'invalid_token', 'Access token required');
    }
    const issued = tokens.get(value);
    if (issued === undefined || issued.realm !== realmPath || issued.expiresAt <= Date.now())
      throw new AmError(401, 'invalid_token', 'Invalid access token');
    return { tokenScopes: issued.scopes };
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!(error instanceof AmError)) {
        send(response, 500, { error: 'server_error', error_description: 'Internal error' });
        return;
      }
      const headers: Record<string, string> =
        error.status === 401 ? { 'www-authenticate': `Bearer error="${error.error}"` } : {};
      send(
        response,
        error.status,
        { error: error.error, error_description: error.description },
        headers,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}${PREFIX}`,
    clientCount: () => clients.size,
    revokeAccessTokens: () => tokens.clear(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

const MAX_BODY = 1_048_576;

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) reject(new AmError(413, 'invalid_request', 'Entity too large'));
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/**
 * §2: JSON bodies. Register names `Content-Type: application/json`; the documented update
 * (`curl --data` without a header, so labelled as a form) shows that AM reads a PUT body as
 * JSON whatever its label.
 */
function jsonBody(request: IncomingMessage, text: string, typed: boolean): Record<string, unknown> {
  if (typed && !/^application\/json\b/i.test(request.headers['content-type'] ?? ''))
    throw new AmError(400, 'invalid_request', 'Content-Type must be application/json');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AmError(400, 'invalid_request', 'Invalid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new AmError(400, 'invalid_request', 'Invalid JSON');
  return body as Record<string, unknown>;
}

function bearer(request: IncomingMessage): string | undefined {
  const match = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '');
  return match?.[1];
}

function basic(header: string | undefined): [string | undefined, string | undefined] {
  const match = /^Basic (\S+)$/.exec(header ?? '');
  if (match === null) return [undefined, undefined];
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return [undefined, undefined];
  try {
    return [
      decodeURIComponent(decoded.slice(0, colon)),
      decodeURIComponent(decoded.slice(colon + 1)),
    ];
  } catch {
    return [undefined, undefined];
  }
}
