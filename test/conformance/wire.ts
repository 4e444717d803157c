import { afterAll, beforeAll, expect } from 'vitest';
import type { ConformanceRoute, StartedRoute } from './routes.js';

/** RFC 7591 §3.2.1 / RFC 7592 §3: every answer under a route carries these. */
export const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };
export const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };

/** The route's RFC 7591 registration endpoint on a started gateway. */
export const registerUrl = (route: ConformanceRoute, started: StartedRoute): string =>
  `${started.gateway.url}${route.prefix}/register`;

/**
 * Starts `route` before the suite's tests and stops it after them. Read `started` and
 * `register` inside tests (they exist once the suite has started).
 */
export function useRoute(route: ConformanceRoute): {
  readonly started: StartedRoute;
  readonly register: string;
} {
  let started: StartedRoute | undefined;
  beforeAll(async () => {
    started = await route.start();
  });
  afterAll(() => started?.close());
  const running = (): StartedRoute => {
    if (started === undefined) throw new Error(`${route.name} is not started yet`);
    return started;
  };
  return {
    get started() {
      return running();
    },
    get register() {
      return registerUrl(route, running());
    },
  };
}

/** The RFC 7592 client configuration endpoint the gateway must name for `clientId`. */
export const clientUrl = (route: ConformanceRoute, started: StartedRoute, clientId: string) =>
  `${registerUrl(route, started)}/${encodeURIComponent(clientId)}`;

export function expectHeaders(headers: Headers, expected: Record<string, string>): void {
  for (const [name, value] of Object.entries(expected)) expect(headers.get(name), name).toBe(value);
  expect(headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
}

/** Server-issued members whose values a scenario already knows (after create). */
export interface Issued {
  readonly client_id: string;
  readonly client_id_issued_at: number;
  readonly client_secret?: string;
  readonly registration_access_token?: string;
}

/**
 * The whole answer for a client registered with `registered` (the members that differ from
 * the backend's defaults): the server-issued members, a secret exactly when the client is
 * confidential, then the defaults and `registered`. Values in `issued` are expected as given;
 * the others only by type. `clientId` names the client for `registration_client_uri`.
 */
export function clientAnswer(
  route: ConformanceRoute,
  started: StartedRoute,
  clientId: string,
  registered: Readonly<Record<string, unknown>>,
  issued: Partial<Issued> = {},
): Record<string, unknown> {
  const members = { ...route.backend.defaults, ...registered };
  const confidential = members.token_endpoint_auth_method !== 'none';
  return {
    client_id: issued.client_id ?? expect.stringMatching(/^[\x21-\x7e]+$/),
    client_id_issued_at: issued.client_id_issued_at ?? expect.any(Number),
    ...(confidential
      ? {
          client_secret: issued.client_secret ?? expect.stringMatching(/^[\x21-\x7e]{32,}$/),
          client_secret_expires_at: 0,
        }
      : {}),
    registration_access_token: issued.registration_access_token ?? expect.any(String),
    registration_client_uri: clientUrl(route, started, clientId),
    ...members,
  };
}

/** An RFC 7591 §3.2.2 / RFC 6750 error answer, exactly. */
export function expectErrorAnswer(
  response: { status: number; headers: Headers; text: string },
  expected: { status: number; error: string; description: string },
): void {
  expect(response.status, response.text).toBeLessThan(500);
  expect(response.status, response.text).toBe(expected.status);
  expectHeaders(response.headers, { ...JSON_TYPE, ...NO_STORE });
  expect(response.headers.get('www-authenticate')).toBeNull();
  expect(JSON.parse(response.text)).toStrictEqual({
    error: expected.error,
    error_description: expected.description,
    request_id: response.headers.get('x-request-id'),
  });
}

/** RFC 6750 §3.1: the 401 for a RAT that is not (or no longer) valid, exactly. */
export function expectInvalidToken(response: {
  status: number;
  headers: Headers;
  body: unknown;
}): void {
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toBe(
    'Bearer realm="dcr-gateway", error="invalid_token"',
  );
  expect(response.body).toStrictEqual({
    error: 'invalid_token',
    error_description: 'the access token is invalid',
    request_id: response.headers.get('x-request-id'),
  });
}
