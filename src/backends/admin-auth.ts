import { vendorUnavailable } from '../errors/index.js';
import { untilAborted, type DeadlineSignal } from './deadline.js';

/** How a vendor's admin API authenticates callers; declared by the backend's mapping file. */
export type AdminScheme =
  | { readonly kind: 'none' }
  | { readonly kind: 'bearer'; readonly optional: boolean }
  | { readonly kind: 'basic' }
  | {
      readonly kind: 'client_credentials';
      readonly token_path: string;
      readonly scope?: string | undefined;
      readonly client_auth: 'client_secret_basic' | 'client_secret_post';
      /** Answers meaning the token itself was refused (default: any 401). */
      readonly refused?: readonly TokenRefusal[] | undefined;
    };

/** A vendor answer that means "this admin token is no good": its status, and `error` if given. */
export interface TokenRefusal {
  readonly status: readonly number[];
  readonly error?: readonly string[] | undefined;
}

const ANY_401: readonly TokenRefusal[] = [{ status: [401] }];

/** Whether a vendor answer to an admin call refuses the token it carried. */
export function refusesToken(
  scheme: AdminScheme,
): (response: { status: number; body: unknown }) => boolean {
  const refusals = (scheme.kind === 'client_credentials' && scheme.refused) || ANY_401;
  return ({ status, body }) => {
    const error = (body as { error?: unknown } | undefined)?.error;
    return refusals.some(
      (refusal) =>
        refusal.status.includes(status) &&
        (refusal.error === undefined ||
          (typeof error === 'string' && refusal.error.includes(error))),
    );
  };
}

/** Credentials from the backend config (read from env or files, never inline). */
export interface AdminCredentials {
  readonly token?: string;
  readonly username?: string;
  readonly password?: string;
  readonly clientId?: string;
  readonly clientSecret?: string;
}

type TokenExchange = (
  path: string,
  form: string,
  headers: Record<string, string>,
) => Promise<{ status: number; body: unknown }>;

/** Refresh a cached admin token this long before the vendor says it expires. */
const EXPIRY_MARGIN_MS = 30_000;

/**
 * Least time between two token requests after a refusal: a token endpoint that refuses the
 * gateway's credential, or an API that refuses a token just issued, is not asked again sooner.
 */
export const TOKEN_COOLDOWN_MS = 1_000;

export interface AdminAuthorizer {
  /** The `Authorization` value for an admin call; the caller stops waiting when `signal` aborts. */
  (signal: DeadlineSignal): Promise<string | undefined>;
  /**
   * The vendor answered 401 to `value`: whether a call retried now would carry a fresh token.
   * The refused token is forgotten (once, however many calls saw it refused); a token issued
   * within the cooldown is not, since a new one would be refused as well.
   */
  refused(value: string): boolean;
}

const fixed = (value: string | undefined): AdminAuthorizer =>
  Object.assign(async () => value, { refused: () => false });

/**
 * Returns a function giving the `Authorization` value for admin calls, or undefined when the
 * scheme sends none. Client-credentials tokens are cached until shortly before expiry and
 * fetched single-flight: concurrent requests share one token request, which `exchange` bounds
 * on its own; a caller whose signal aborts leaves without cancelling it for the others.
 */
export function createAdminAuthorizer(
  scheme: AdminScheme,
  credentials: AdminCredentials,
  exchange: TokenExchange,
): AdminAuthorizer {
  switch (scheme.kind) {
    case 'none':
      return fixed(undefined);
    case 'bearer':
      return fixed(credentials.token === undefined ? undefined : `Bearer ${credentials.token}`);
    case 'basic':
      return fixed(
        `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`,
      );
    case 'client_credentials':
      return clientCredentials(scheme, credentials, exchange);
  }
}

function clientCredentials(
  scheme: Extract<AdminScheme, { kind: 'client_credentials' }>,
  credentials: AdminCredentials,
  exchange: TokenExchange,
): AdminAuthorizer {
  let cached: { value: string; expiresAt: number; issuedAt: number } | undefined;
  let inFlight: Promise<string> | undefined;
  /** A refusal by the token endpoint, repeated to callers until the cooldown ends. */
  let refusal: { error: Error; until: number } | undefined;
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (scheme.scope !== undefined) form.set('scope', scheme.scope);
  const headers: Record<string, string> = {};
  if (scheme.client_auth === 'client_secret_post') {
    form.set('client_id', credentials.clientId ?? '');
    form.set('client_secret', credentials.clientSecret ?? '');
  } else {
    const user = encodeURIComponent(credentials.clientId ?? '');
    const pass = encodeURIComponent(credentials.clientSecret ?? '');
    headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  }
  const fetchToken = async (): Promise<string> => {
    const response = await exchange(scheme.token_path, form.toString(), headers);
    const body = response.body as { access_token?: unknown; expires_in?: unknown } | undefined;
    if (response.status !== 200 || typeof body?.access_token !== 'string') {
      const error = vendorUnavailable(`admin token request answered ${response.status}`);
      refusal = { error, until: Date.now() + TOKEN_COOLDOWN_MS };
      throw error;
    }
    const now = Date.now();
    const lifetimeMs = (typeof body.expires_in === 'number' ? body.expires_in : 60) * 1000;
    cached = {
      value: `Bearer ${body.access_token}`,
      expiresAt: now + lifetimeMs - EXPIRY_MARGIN_MS,
      issuedAt: now,
    };
    return cached.value;
  };
  const authorize = async (signal: DeadlineSignal): Promise<string> => {
    if (cached !== undefined && cached.expiresAt > Date.now()) return cached.value;
    if (refusal !== undefined && refusal.until > Date.now()) throw refusal.error;
    inFlight ??= fetchToken().finally(() => {
      inFlight = undefined;
    });
    return Promise.race([inFlight, untilAborted(signal)]);
  };
  return Object.assign(authorize, {
    refused(value: string): boolean {
      if (cached === undefined || cached.value !== value) return true; // renewed meanwhile
      if (Date.now() - cached.issuedAt < TOKEN_COOLDOWN_MS) return false;
      cached = undefined;
      return true;
    },
  });
}
