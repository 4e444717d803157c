import { Agent, buildConnector, fetch as undiciFetch } from 'undici';

/**
 * A fetch that sends requests for `names` (every request by default) to `gatewayUrl`, as DNS
 * would for a site's public name: the URL (and so Host and every check on it) keeps the public
 * origin. Other hosts are connected to as they are.
 */
export function fetchVia(gatewayUrl: string, names?: readonly string[]): typeof fetch {
  const { hostname, port } = new URL(gatewayUrl);
  const connect = buildConnector({});
  const dispatcher = new Agent({
    connect: (options, callback) =>
      connect(
        names === undefined || names.includes(options.hostname)
          ? { ...options, hostname, port }
          : options,
        callback,
      ),
  });
  return ((input: string | URL | Request, init?: RequestInit) =>
    undiciFetch(input as string, { ...(init as object), dispatcher })) as unknown as typeof fetch;
}

/** Cookies by name, as a browser on one origin keeps them (paths ignored: one flow at a time). */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/**
 * Drives oidc-provider's development login and consent pages from an authorization URL until
 * the provider redirects to `redirectUri`, as a browser would: following redirects by hand,
 * keeping cookies, posting each page's form. Returns the callback URL with its parameters.
 */
export async function authorizeThrough(
  fetchFn: typeof fetch,
  authorizationUrl: URL,
  redirectUri: string,
  login: string,
): Promise<URL> {
  const jar = new CookieJar();
  let url = authorizationUrl.href;
  let form: URLSearchParams | undefined;
  for (let step = 0; step < 20; step++) {
    const response = await fetchFn(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        cookie: jar.header(),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { body: form.toString() } : {}),
    });
    jar.take(response);
    form = undefined;
    const location = response.headers.get('location');
    if (location !== null) {
      const next = new URL(location, url);
      if (next.href.startsWith(redirectUri)) return next;
      url = next.href;
      continue;
    }
    const page = await response.text();
    if (response.status !== 200) throw new Error(`${url}: ${response.status} ${page}`);
    const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
    if (action === undefined) throw new Error(`${url}: no form`);
    url = new URL(action, url).href;
    form = page.includes('name="password"')
      ? new URLSearchParams({ prompt: 'login', login, password: 'any' })
      : new URLSearchParams({ prompt: 'consent' });
  }
  throw new Error('the authorization did not reach the redirect URI');
}
