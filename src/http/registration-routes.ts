import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { methodNotAllowed } from '../errors/index.js';
import { installSignedRequestBody } from './json-body.js';
import type { LimitHook, RouteLimiters } from './rate-limit.js';
import {
  admit,
  read,
  registerOnce,
  remove,
  update,
  type Admission,
  type BackendTime,
  type Call,
  type PipelineDeps,
  type Principal,
  type Route,
} from '../pipeline/index.js';
import { traceOf, type Trace } from '../lib/trace-context.js';
import { writeAuditLine, type AuditOperation } from './audit-log.js';
import type { PublicBase } from './public-base.js';

/** Methods fastify serves that a registration resource does not, answered with 405 + Allow. */
const OTHER_METHODS = ['DELETE', 'GET', 'HEAD', 'PATCH', 'PUT', 'POST', 'OPTIONS'] as const;

/**
 * RFC 7591 and RFC 7592 endpoints of one route, thin: each handler turns the request into a
 * pipeline call and the result into a status. Every response under the route carries
 * `Cache-Control: no-store` (they carry credentials, or answer a request that did). Rate
 * limits run as `preHandler`, where everything a caller key may come from (address, and
 * later credentials in headers or body) is known; the quota is checked before a create and
 * counted once it succeeded, so a refused or failed create costs the caller nothing.
 */
export function registrationRoutes(
  deps: PipelineDeps,
  route: Route,
  publicBaseOf: PublicBase,
  limiters: RouteLimiters = {},
  /** Below the plugin prefix; '' where a site takes over an IdP's own endpoint (e.g. `/reg`). */
  resource = '/register',
) {
  return async (app: FastifyInstance): Promise<void> => {
    app.decorateRequest('publicBase', undefined);
    app.decorateRequest('admission', undefined);
    app.decorateRequest('auditFacts', undefined);
    app.decorateRequest('trace', undefined);
    app.decorateRequest('backendTime', undefined);
    const audited = (operation: AuditOperation) => ({
      config: { operation: { route: route.id, name: operation } },
      onRequest: (request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
        request.auditFacts = {};
        request.backendTime = { ms: 0 };
        done();
      },
      onResponse: (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
        writeAuditLine(app.auditLog, operation, route, request, reply);
        done();
      },
    });
    if (route.access.signedRequests) installSignedRequestBody(app);
    // W3C Trace Context: the caller's trace (or a new one) is on every log line of the request
    // and goes on with each vendor call it makes.
    app.addHook('onRequest', (request, _reply, done) => {
      const header = request.headers.traceparent;
      request.trace = traceOf(typeof header === 'string' ? header : undefined);
      // On fastify's own child: a child of that child cost a prototype chain per request.
      (request.log as Logger).setBindings({ trace_id: request.trace.traceId });
      done();
    });
    // Before the body is read: a request for a host this gateway does not serve goes no further.
    // Async on purpose: a request whose bytes are malformed further on (a bad chunk) must get
    // the parser's 400, which a synchronous 421 here would answer first (framework-errors test).
    app.addHook('onRequest', async (request) => {
      request.publicBase = publicBaseOf(request);
    });
    app.addHook('onSend', (_request, reply, payload, done) => {
      void reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      done(null, payload);
    });
    const call = (request: FastifyRequest): Call => ({
      route,
      authorization: request.headers.authorization,
      publicBaseUrl: request.publicBase!,
      dryRun: request.headers['x-dry-run'] === 'true',
      ...(request.auditFacts && { audit: request.auditFacts }),
      trace: request.trace!,
      backendTime: request.backendTime!,
    });
    const clientIdOf = (request: FastifyRequest) =>
      (request.params as { clientId: string }).clientId;

    const limited = (hook: LimitHook | undefined) => (hook ? { preHandler: hook } : {});
    const { quota } = limiters;
    // Inbound authentication first, so the limits can count against the principal it names. A
    // refused request still counts, against its address: guessing tokens costs the guesser.
    const inbound = (request: FastifyRequest) => ({
      authorization: request.headers.authorization,
      contentType: mediaType(request.headers['content-type']),
      body: request.body,
      clientCertificate: request.clientCertificate(),
      endpoint: `${request.publicBase!}${request.routeOptions.url!}`,
    });
    const admitted = async (request: FastifyRequest) => {
      try {
        request.admission = await admit(route.access, inbound(request));
      } catch (error) {
        await limiters.register?.(request);
        throw error;
      }
      request.principal = describePrincipal(request.admission.principal);
    };
    const registerHooks = limiters.register ? [admitted, limiters.register] : [admitted];

    app.post(
      resource,
      { ...audited('register'), preHandler: registerHooks },
      async (request, reply) => {
        await quota?.check(request);
        const registered = await registerOnce(deps, call(request), request.admission!, {
          idempotencyKey: request.headers['idempotency-key'],
          address: request.ip,
        });
        // A replay created nothing: it counts against no quota.
        if (registered.replayed) void reply.header('idempotent-replayed', 'true');
        else if (registered.status === 201) await quota?.count(request);
        reply.code(registered.status);
        return registered.body;
      },
    );
    const managing = (operation: AuditOperation) => ({
      ...audited(operation),
      ...limited(limiters.manage),
    });
    app.get(`${resource}/:clientId`, managing('read'), async (request) =>
      read(deps, call(request), clientIdOf(request)),
    );
    const { updateChecks } = route.access;
    app.put(`${resource}/:clientId`, managing('update'), async (request) => {
      if (updateChecks === undefined)
        return update(deps, call(request), clientIdOf(request), request.body);
      const checked = await admit({ checks: updateChecks }, inbound(request));
      return update(deps, call(request), clientIdOf(request), checked.body, checked.statement?.raw);
    });
    app.delete(`${resource}/:clientId`, managing('delete'), async (request, reply) => {
      await remove(deps, call(request), clientIdOf(request));
      return reply.code(204).send();
    });

    const refuse = (url: string, allowed: readonly string[]) =>
      app.route({
        method: OTHER_METHODS.filter((method) => !allowed.includes(method)),
        url,
        exposeHeadRoute: false,
        handler: async () => {
          throw methodNotAllowed(allowed);
        },
      });
    refuse(resource, ['POST']);
    refuse(`${resource}/:clientId`, ['GET', 'HEAD', 'PUT', 'DELETE']);
  };
}

/** The principal as the access log names it: its secret-free key, or `open`. */
const describePrincipal = (principal: Principal): string => principal.key ?? principal.kind;

/** `application/json; charset=utf-8` → `application/json`. */
const mediaType = (header: string | undefined): string | undefined =>
  header?.split(';', 1)[0]!.trim().toLowerCase();

declare module 'fastify' {
  interface FastifyRequest {
    /** Base of the URIs this request's answer carries, once its Host is known to be trusted. */
    publicBase: string | undefined;
    /** What inbound authentication established for a registration request. */
    admission: Admission | undefined;
    /** The caller's W3C trace (or a new one), continued by the vendor calls it makes. */
    trace: Trace | undefined;
    /** Time a registration or management request spent in vendor calls, for its access line. */
    backendTime: BackendTime | undefined;
  }
}
