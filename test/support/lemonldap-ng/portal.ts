/**
 * A user at the LemonLDAP::NG portal, as a browser would be (contract §7): the authorization
 * request, the login form with its CSRF token and `lemonldappdata` cookie, the consent page, and
 * the redirect back with a code; then the token and userinfo requests of the client.
 */
export interface AuthorizationRequest {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly user: string;
  readonly password: string;
  readonly scope?: string;
  readonly state?: string;
  /** PKCE (RFC 7636): sent as `code_challenge` with method S256. */
  readonly codeChallenge?: string;
}

/** Where the flow ended: a code at the redirect URI, or the portal refusing (with its page). */
export type AuthorizationOutcome =
  | { readonly kind: 'code'; readonly code: string; readonly redirect: URL }
  | { readonly kind: 'refused'; readonly status: number; readonly page: string };

/**
 * Runs the authorization-code flow up to the code. The portal's cookies are set for
 * `domain=.localhost`, so they are sent back by hand (the portal listens on 127.0.0.1).
 */
export async function authorize(
  portalUrl: string,
  request: AuthorizationRequest,
  fetchFn: typeof fetch = fetch,
): Promise<AuthorizationOutcome> {
  const state = request.state ?? 'state-1';
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: request.clientId,
    redirect_uri: request.redirectUri,
    scope: request.scope ?? 'openid',
    state,
    ...(request.codeChallenge === undefined
      ? {}
      : { code_challenge: request.codeChallenge, code_challenge_method: 'S256' }),
  });
  const authorizeUrl = `${portalUrl}/oauth2/authorize?${query}`;
  const jar = new Map<string, string>();
  const first = await step(fetchFn, authorizeUrl, jar);
  // An unknown client or redirect URI gives an HTML page (HTTP 200), not the login form.
  const token = hidden(first.page, 'token');
  if (first.location !== undefined || token === undefined)
    return outcome(first, request.redirectUri, state);

  const login = await step(fetchFn, authorizeUrl, jar, {
    user: request.user,
    password: request.password,
    token,
    url: hidden(first.page, 'url') ?? '',
  });
  if (login.location !== undefined || hidden(login.page, 'confirm') === undefined)
    return outcome(login, request.redirectUri, state);

  // The consent page: its hidden fields, posted back, accept.
  const consent = Object.fromEntries(
    [...login.page.matchAll(/<input type="hidden"[^>]* name="([^"]+)" value="([^"]*)"/g)].map(
      (match) => [match[1]!, decodeEntities(match[2]!)],
    ),
  );
  return outcome(await step(fetchFn, authorizeUrl, jar, consent), request.redirectUri, state);
}

/**
 * The token request with `client_secret_basic`, or as a public client (`client_id` in the
 * form) when there is no secret; `codeVerifier` for PKCE.
 */
export async function redeem(
  portalUrl: string,
  client: { clientId: string; clientSecret?: string; redirectUri: string },
  code: string,
  codeVerifier?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: client.redirectUri,
  });
  if (codeVerifier !== undefined) form.set('code_verifier', codeVerifier);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (client.clientSecret === undefined) form.set('client_id', client.clientId);
  else
    headers.authorization = `Basic ${Buffer.from(
      `${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`,
    ).toString('base64')}`;
  const response = await fetch(`${portalUrl}/oauth2/token`, {
    method: 'POST',
    headers,
    body: form,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export async function userinfo(
  portalUrl: string,
  accessToken: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${portalUrl}/oauth2/userinfo`, {
    headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

interface Step {
  readonly status: number;
  readonly location: string | undefined;
  readonly page: string;
}

async function step(
  fetchFn: typeof fetch,
  url: string,
  jar: Map<string, string>,
  form?: Record<string, string>,
) {
  const headers: Record<string, string> = { accept: 'text/html' };
  if (jar.size > 0) headers.cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
  if (form !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
  const response = await fetchFn(url, {
    method: form === undefined ? 'GET' : 'POST',
    headers,
    redirect: 'manual',
    ...(form === undefined ? {} : { body: new URLSearchParams(form) }),
  });
  for (const cookie of response.headers.getSetCookie()) {
    const [pair = ''] = cookie.split(';');
    const equals = pair.indexOf('=');
    const [name, value] = [pair.slice(0, equals), pair.slice(equals + 1)];
    if (value === '') jar.delete(name);
    else jar.set(name, value);
  }
  return {
    status: response.status,
    location: response.headers.get('location') ?? undefined,
    page: await response.text(),
  } satisfies Step;
}

function outcome(last: Step, redirectUri: string, state: string): AuthorizationOutcome {
  if (last.location === undefined || !last.location.startsWith(redirectUri))
    return { kind: 'refused', status: last.status, page: last.page };
  const redirect = new URL(last.location);
  const code = redirect.searchParams.get('code');
  if (code === null || redirect.searchParams.get('state') !== state)
    return { kind: 'refused', status: last.status, page: last.location };
  return { kind: 'code', code, redirect };
}

function hidden(page: string, name: string): string | undefined {
  const match = new RegExp(`<input[^>]* name="${name}" value="([^"]*)"`).exec(page);
  return match === null ? undefined : decodeEntities(match[1]!);
}

const decodeEntities = (text: string): string =>
  text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/**
 * A change made through the API reaches the portal 1–2 s later (it rereads its configuration
 * every second): polls until `done` holds, for at most 15 s.
 */
export async function eventually<T>(
  attempt: () => Promise<T>,
  done: (value: T) => boolean,
): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await attempt();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
