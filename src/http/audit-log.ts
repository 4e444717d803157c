import { pino, type DestinationStream, type Logger } from 'pino';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuditFacts, Principal, Route } from '../pipeline/index.js';
import { censorSecrets } from './logger.js';

/** Where audit lines go: standard output or error, a file (appended), or nowhere. */
export type AuditDestination = 'stdout' | 'stderr' | 'off' | { readonly file: string };

/** The RFC 7591/7592 operation an audit line records. */
export type AuditOperation = 'register' | 'read' | 'update' | 'delete';

/**
 * The audit logger: its own pino instance, apart from the application log, so operators can
 * ship it elsewhere and keep it longer; always at `info` whatever the log level. Every line
 * carries `"log":"audit"`.
 */
export function createAuditLogger(
  destination: AuditDestination,
  stream?: DestinationStream,
): Logger {
  const options = {
    level: destination === 'off' ? 'silent' : 'info',
    base: { log: 'audit' },
    formatters: { log: censorSecrets },
  };
  if (stream !== undefined) return pino(options, stream);
  const target =
    destination === 'stderr' ? 2 : typeof destination === 'object' ? destination.file : 1;
  return pino(options, pino.destination({ dest: target, sync: false, mkdir: true }));
}

/**
 * One audit line per registration or management call, when it is answered: who (the principal
 * inbound authentication admitted, or the registration access token for management, and the
 * caller's address), which route, backend and client, what was asked and how it ended
 * (`success`, `refused` for a 4xx, `failed` for a 5xx, with the error code). Never a secret:
 * principals are named by their secret-free keys.
 */
export function writeAuditLine(
  audit: Logger,
  operation: AuditOperation,
  route: Route,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const facts: AuditFacts = request.auditFacts ?? {};
  const status = reply.statusCode;
  audit.info(
    {
      request_id: request.id,
      operation,
      route: route.id,
      backend: facts.backend ?? (operation === 'register' ? route.backend.id : undefined),
      client_id: facts.clientId,
      principal:
        operation === 'register'
          ? describePrincipal(request.admission?.principal)
          : // A RAT that named the client; a refused one identified nobody.
            { kind: facts.clientId === undefined ? 'unknown' : 'registration_access_token' },
      caller_ip: request.ip,
      status,
      outcome: status < 400 ? 'success' : status < 500 ? 'refused' : 'failed',
      error: request.failure?.code,
      ...(request.headers['x-dry-run'] === 'true' && status === 200 ? { dry_run: true } : {}),
    },
    `${operation} ${status < 400 ? 'succeeded' : 'refused or failed'}`,
  );
}

/** A principal as the audit line names it; `unknown` when admission refused the request. */
function describePrincipal(principal: Principal | undefined): Record<string, unknown> {
  if (principal === undefined) return { kind: 'unknown' };
  return {
    kind: principal.kind,
    key: principal.key,
    subject: principal.subject,
    software_id: principal.softwareId,
    certificate_thumbprint: principal.certificateThumbprint,
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The audit logger (`createAuditLogger`), decorated on the root instance. */
    auditLog: Logger;
  }
  interface FastifyRequest {
    /** What the pipeline established for the audit line. */
    auditFacts: AuditFacts | undefined;
  }
}
