import type { IncomingHttpHeaders } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import fastifyHttpProxy from '@fastify/http-proxy';
import type { FastifyInstance } from 'fastify';
import {
  badVendorResponse,
  GatewayError,
  vendorTimeout,
  vendorUnavailable,
} from '../errors/index.js';

/** Where a site streams to, and the bounds that apply on the way. */
export interface SiteProxyOptions {
  /** The IdP's origin (`http://idp.internal:8080`): every proxied request goes there. */
  readonly upstream: string;
  /** The scheme callers use on the site, sent as `X-Forwarded-Proto`. */
  readonly publicProtocol: string;
  /** The IdP gets the caller's `Host` (else its own origin's, the public one as X-Forwarded-Host). */
  readonly preserveHost: boolean;
  readonly connectTimeoutMs: number;
  /** Bound on the IdP's response headers, and on each wait for the next body chunk. */
  readonly requestTimeoutMs: number;
  /** The largest request body passed on, as for the gateway's own endpoints. */
  readonly bodyLimitBytes: number;
  /** The site's Host values. */
  readonly host: RegExp;
  /**
   * Request headers the IdP never gets, beside the forwarding ones: the client certificate
   * header, so no caller can forge one to an IdP that trusts the gateway as its proxy.
   */
  readonly dropHeaders?: readonly string[];
}

/**
 * Upstream connections per site. The IdP answers logins, tokens and JWKS: far more traffic than
 * registration, so more than a backend client's pool.
 */
const PROXY_CONNECTIONS = 128;

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) an upstream answer may carry; reply-from drops those of
 * the request but copies the response's as they come.
 */
const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'upgrade',
]);

/** Request headers the IdP must only ever get from the gateway (set below, or dropped). */
const FORWARDING: ReadonlySet<string> = new Set([
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
]);

/**
 * Every path of a site the gateway does not answer itself, streamed to the IdP with
 * `@fastify/http-proxy`: bodies are never parsed, hop-by-hop headers are dropped both ways,
 * `X-Forwarded-For/-Proto/-Host` tell the IdP who asked and where (so its redirects, cookies
 * and metadata name the public origin), and an IdP that fails gets the gateway's error format.
 */
export function siteProxy(options: SiteProxyOptions) {
  const dropped = new Set([...FORWARDING, ...(options.dropHeaders ?? [])]);
  return async (app: FastifyInstance): Promise<void> => {
    // The root scope reads JSON only (json-body.ts); here every body streams through unread.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (request, payload, done) => {
      const declared = Number(request.headers['content-length'] ?? 0);
      if (declared > options.bodyLimitBytes) done(tooLarge(options.bodyLimitBytes), undefined);
      else {
        const limited = limitBytes(options.bodyLimitBytes);
        // pipe() does not pass errors on: a body deadline (408) must fail the upstream request.
        payload.once('error', (error) => limited.destroy(error));
        done(null, payload.pipe(limited));
      }
    });
    await app.register(fastifyHttpProxy, {
      upstream: options.upstream,
      proxyPayloads: false,
      internalRewriteLocationHeader: false,
      constraints: { host: options.host },
      config: { passthrough: true },
      undici: {
        connections: PROXY_CONNECTIONS,
        connectTimeout: options.connectTimeoutMs,
        headersTimeout: options.requestTimeoutMs,
        bodyTimeout: options.requestTimeoutMs,
      },
      replyOptions: {
        rewriteRequestHeaders: (request, headers) =>
          forwardedHeaders(request, headers, options.publicProtocol, options.preserveHost, dropped),
        rewriteHeaders: withoutHopByHop,
        onError: (reply, { error }) => void reply.send(upstreamFailure(error)),
      },
      disableRequestLogging: true,
    });
  };
}

/** What the forwarding headers are made from. */
export interface ForwardedRequest {
  /** The caller as fastify sees it (from `X-Forwarded-For` when the peer is a trusted proxy). */
  readonly ip: string;
  readonly headers: IncomingHttpHeaders;
  readonly socket: { readonly remoteAddress?: string | undefined };
}

/**
 * The request headers as the IdP gets them. `X-Forwarded-For` keeps what trusted proxies said
 * (fastify believed it, so `request.ip` is not the peer) and adds the peer; from anyone else it
 * is replaced, so a caller cannot name its own address to the IdP. `Forwarded` is dropped: the
 * IdP must not read a caller's version of what the `X-Forwarded-*` set here say. `dropped`
 * (the forwarding headers and any the site adds) never reach the IdP as the caller sent them.
 */
export function forwardedHeaders(
  request: ForwardedRequest,
  headers: IncomingHttpHeaders,
  publicProtocol: string,
  preserveHost = false,
  dropped: ReadonlySet<string> = FORWARDING,
): IncomingHttpHeaders {
  const peer = request.socket.remoteAddress ?? '';
  const earlier = headers['x-forwarded-for'];
  // One pass into a fresh object: this runs on every proxied request (and `delete` would turn
  // the object into a slow dictionary).
  const forwarded: IncomingHttpHeaders = {};
  for (const name in headers) if (!dropped.has(name)) forwarded[name] = headers[name];
  forwarded['x-forwarded-for'] =
    request.ip !== peer && typeof earlier === 'string' ? `${earlier}, ${peer}` : peer;
  forwarded['x-forwarded-proto'] = publicProtocol;
  forwarded['x-forwarded-host'] = request.headers.host;
  if (preserveHost) forwarded.host = request.headers.host;
  return forwarded;
}

/** The IdP's response headers less the hop-by-hop ones, and those its `Connection` names. */
export function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const connection = headers.connection;
  // Nearly every answer says only keep-alive (or close): nothing more to look up.
  const named =
    connection === undefined || connection === 'keep-alive' || connection === 'close'
      ? undefined
      : new Set(connection.split(',').map((name) => name.trim().toLowerCase()));
  const kept: IncomingHttpHeaders = {};
  for (const name in headers)
    if (!HOP_BY_HOP.has(name) && named?.has(name) !== true) kept[name] = headers[name];
  return kept;
}

/**
 * reply-from's failures in the gateway's vocabulary, the original kept as `cause`: no answer in
 * time is 504, an answer that cannot be relayed 502, anything else (refused, reset) 503. A
 * request body over the limit fails the upstream request with our own error, which wins.
 */
export function upstreamFailure(error: Error & { statusCode?: number }): GatewayError {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause)
    if (cause instanceof GatewayError) return cause;
  const code = (error.cause as { code?: string } | undefined)?.code ?? '';
  if (error.statusCode === 504) return vendorTimeout(`proxy: ${code || 'timeout'}`, error);
  if (error.statusCode === 502) return badVendorResponse('proxy: unusable upstream response');
  return vendorUnavailable(`proxy: ${code || 'upstream failed'}`, error);
}

const tooLarge = (limit: number) =>
  new GatewayError('payload_too_large', `the request body exceeds ${limit} bytes`);

/** A stream that passes at most `limit` bytes and fails past them (chunked bodies announce none). */
function limitBytes(limit: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      seen += chunk.length;
      if (seen > limit) done(tooLarge(limit));
      else done(null, chunk);
    },
  });
}
