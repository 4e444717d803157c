import { request } from 'undici';
import { GatewayError } from '../errors/index.js';
import { sha256 } from '../lib/crypto.js';
import { requireScope, scopesOf, type TokenMode, type TokenVerdict } from './token-mode.js';

/** Where and how opaque initial access tokens are introspected (RFC 7662). */
export interface IntrospectionSettings {
  readonly endpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly requiredScope?: string;
  /** An active result is reused until the token's `exp`, never longer than this. */
  readonly maxCacheSeconds: number;
  readonly timeoutMs: number;
  readonly clockSkewSeconds: number;
}

/** Results kept at most; the oldest goes first. */
const MAX_CACHED = 10_000;
/** The largest introspection answer read. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * RFC 7662 introspection with the gateway's own client credentials (`client_secret_basic`, the
 * id and secret form-encoded as RFC 6749 §2.3.1 says). `active: false`, an `exp` in the past or
 * a missing scope refuse the token; an endpoint that fails or answers nonsense is a 503, never a
 * 401 (the token may be fine). Active results are cached by the token's SHA-256, in memory,
 * bounded in count and in time; inactive ones are not (a token can become active only by being
 * issued anew, but a revoked one must not stay accepted).
 */
export function introspectionAccess(
  settings: IntrospectionSettings,
  now: () => number = Date.now,
): TokenMode {
  const cache = new Map<string, { verdict: TokenVerdict; until: number }>();
  const basic = `Basic ${Buffer.from(
    `${formEncode(settings.clientId)}:${formEncode(settings.clientSecret)}`,
  ).toString('base64')}`;
  return async (token) => {
    const digest = sha256(token).toString('hex');
    const cached = cache.get(digest);
    if (cached !== undefined && cached.until > now()) return cached.verdict;
    cache.delete(digest);
    const answer = await introspect(settings, basic, token);
    if (answer.active !== true) return { refused: 'introspection: inactive' };
    const exp = typeof answer.exp === 'number' ? answer.exp : undefined;
    if (exp !== undefined && exp + settings.clockSkewSeconds <= now() / 1000)
      return { refused: 'introspection: expired' };
    const scopes = scopesOf(answer);
    requireScope(scopes, settings.requiredScope);
    const subject =
      typeof answer.sub === 'string'
        ? answer.sub
        : typeof answer.client_id === 'string'
          ? answer.client_id
          : undefined;
    const verdict: TokenVerdict = {
      accepted: {
        key:
          subject === undefined
            ? `iat:${digest.slice(0, 16)}`
            : `sub:${settings.endpoint} ${subject}`,
        ...(subject === undefined ? {} : { subject }),
        scopes,
        useId:
          typeof answer.jti === 'string'
            ? `jti:${settings.endpoint} ${answer.jti}`
            : `sha256:${digest}`,
        ...(exp === undefined ? {} : { expiresAt: exp }),
      },
    };
    const until = Math.min(
      now() + settings.maxCacheSeconds * 1000,
      exp === undefined ? Infinity : exp * 1000,
    );
    if (until > now()) {
      if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
      cache.set(digest, { verdict, until });
    }
    return verdict;
  };
}

async function introspect(
  settings: IntrospectionSettings,
  authorization: string,
  token: string,
): Promise<Record<string, unknown>> {
  const signal = AbortSignal.timeout(settings.timeoutMs);
  try {
    const response = await request(settings.endpoint, {
      method: 'POST',
      signal,
      headers: {
        authorization,
        accept: 'application/json',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
    });
    let text = '';
    for await (const chunk of response.body) {
      text += (chunk as Buffer).toString('utf8');
      if (text.length > MAX_RESPONSE_BYTES) throw unavailable('the answer is too large');
    }
    if (response.statusCode !== 200) throw unavailable(`status ${response.statusCode}`);
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw unavailable('not a JSON object');
    return parsed as Record<string, unknown>;
  } catch (error) {
    if (error instanceof GatewayError) throw error;
    throw unavailable(
      signal.aborted ? `no answer within ${settings.timeoutMs} ms` : (error as Error).name,
      error,
    );
  }
}

const unavailable = (detail: string, cause?: unknown) =>
  new GatewayError('introspection_unavailable', 'the token cannot be checked now', {
    detail: `introspection: ${detail}`,
    ...(cause === undefined ? {} : { cause }),
  });

/** application/x-www-form-urlencoded of one value, as RFC 6749 §2.3.1 has client credentials. */
const formEncode = (value: string): string => new URLSearchParams({ v: value }).toString().slice(2);
