import type { FastifyRequest } from 'fastify';
import { GatewayError } from '../errors/index.js';

/** The base URL of `registration_client_uri` for one request. */
export type PublicBase = (request: FastifyRequest) => string;

/**
 * Where callers reach the gateway: the configured public URL, or the request's own scheme and
 * Host when that Host is one of the trusted ones (exact `host:port`, or `host:*` for any port).
 * Any other Host (`evil.example/#`, an unknown name, a port not listed) is refused with 421
 * before anything else happens, so no URI is ever built from it.
 */
export function publicBase(
  publicUrl: string | undefined,
  trustedHosts: readonly string[] | undefined,
): PublicBase {
  if (publicUrl !== undefined) return () => publicUrl;
  const exact = new Set(trustedHosts?.filter((host) => !host.endsWith(':*')));
  const anyPort = new Set(
    trustedHosts?.filter((host) => host.endsWith(':*')).map((host) => host.slice(0, -2)),
  );
  return (request) => {
    const host = request.host.toLowerCase();
    const name = hostName(host);
    if (!exact.has(host) && (name === undefined || !anyPort.has(name))) throw untrustedHost();
    return `${request.protocol}://${host}`;
  };
}

/** `name` of `name:port` (`[v6]` of `[v6]:port`); a value with anything else in it is no host. */
function hostName(host: string): string | undefined {
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::\d{1,5})?$/.exec(host);
  return match?.[1];
}

const untrustedHost = () =>
  new GatewayError('misdirected_request', 'this gateway does not serve the requested host');
