import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '../errors/index.js';
import type { PipelineDeps, Route } from '../pipeline/index.js';
import type { RouteLimiters } from './rate-limit.js';
import { registrationRoutes } from './registration-routes.js';
import { siteProxy, type SiteProxyOptions } from './site-proxy.js';

/** An IdP origin the gateway fronts, as the HTTP layer needs it. */
export interface Site {
  readonly id: string;
  /** Where callers reach the site: the base of the URIs its answers carry. */
  readonly origin: string;
  /** Host values the site answers (lower case; `name:*` for any port). */
  readonly hosts: readonly string[];
  /** The IdP's own registration endpoints, and whether the gateway answers or refuses them. */
  readonly idpRegistration: {
    readonly paths: readonly string[];
    readonly action: 'take_over' | 'refuse';
  };
  /** Browser origins allowed on discovery and registration; `*` for any. */
  readonly corsOrigins: readonly string[];
  /** The public paths of the metadata document (every RFC 8414 / OIDC form of the issuer). */
  readonly discoveryPaths: readonly string[];
  /** The IdP's metadata with the gateway's registration endpoint. */
  readonly discovery: () => Promise<Record<string, unknown>>;
}

/**
 * One site: the route's RFC 7591/7592 endpoints (and the IdP's own registration paths, taken
 * over or refused) and the rewritten discovery documents, answered by the gateway; every other
 * path streamed to the IdP. All of it is constrained to the site's Host values, so sites and
 * the plain per-route endpoints coexist on one listener.
 */
export function siteRoutes(
  deps: PipelineDeps,
  route: Route,
  site: Site,
  limiters: RouteLimiters,
  proxy: Omit<SiteProxyOptions, 'host'>,
) {
  const host = hostPattern(site.hosts);
  const publicBaseOf = () => site.origin;
  return async (app: FastifyInstance): Promise<void> => {
    app.addHook('onRoute', (options) => {
      options.constraints = { ...options.constraints, host };
    });
    await app.register(async (owned) => {
      installCors(owned, site.corsOrigins);
      await owned.register(registrationRoutes(deps, route, publicBaseOf, limiters), {
        prefix: route.prefix,
      });
      for (const path of site.idpRegistration.paths)
        if (site.idpRegistration.action === 'take_over')
          await owned.register(registrationRoutes(deps, route, publicBaseOf, limiters, ''), {
            prefix: path,
          });
        else refuseRegistration(owned, path);
      for (const url of site.discoveryPaths)
        owned.route({
          method: ['GET', 'OPTIONS'],
          url,
          handler: async (request, reply) => {
            if (request.method === 'OPTIONS')
              return reply.code(204).header('allow', 'GET, HEAD, OPTIONS').send();
            // Changes when the IdP's does; a client must not keep a copy past it.
            return reply.header('cache-control', 'no-cache').send(await site.discovery());
          },
        });
    });
    await app.register(siteProxy({ ...proxy, host }));
  };
}

/**
 * The site's Host values as one pattern for fastify's host constraint: exact `name[:port]`, or
 * `name:*` for the name with any port (or none), in any case.
 */
export function hostPattern(hosts: readonly string[]): RegExp {
  const alternatives = hosts.map((host) =>
    host.endsWith(':*') ? `${escape(host.slice(0, -2))}(?::\\d{1,5})?` : escape(host),
  );
  return new RegExp(`^(?:${alternatives.join('|')})$`, 'i');
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The IdP's own registration endpoint, and every path below it, as if it did not exist. */
function refuseRegistration(app: FastifyInstance, path: string): void {
  const handler = async () => {
    throw new GatewayError('not_found', 'no such resource');
  };
  app.all(path, handler);
  app.all(`${path}/*`, handler);
}

/** Methods and request headers browsers may use on discovery and registration. */
const CORS_METHODS = 'GET, POST, PUT, DELETE';
const CORS_HEADERS = 'authorization, content-type';
/** What a browser script may read of an answer besides the simple headers. */
const CORS_EXPOSED = 'x-request-id, www-authenticate, retry-after, location';

/**
 * CORS (Fetch standard §3.2) for browser-based clients: an allowed `Origin` gets
 * `Access-Control-Allow-Origin` on every answer, errors included, and its preflight a 204.
 * Any other origin gets no CORS header at all, so the browser refuses the answer to its script.
 */
function installCors(app: FastifyInstance, allowed: readonly string[]): void {
  if (allowed.length === 0) return;
  const any = allowed.includes('*');
  const origins = new Set(allowed);
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    void reply.header('vary', 'origin');
    const origin = request.headers.origin;
    if (origin === undefined || (!any && !origins.has(origin))) return;
    void reply
      .header('access-control-allow-origin', any ? '*' : origin)
      .header('access-control-expose-headers', CORS_EXPOSED);
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method'])
      return reply
        .code(204)
        .header('access-control-allow-methods', CORS_METHODS)
        .header('access-control-allow-headers', CORS_HEADERS)
        .header('access-control-max-age', '600')
        .send();
  });
}
