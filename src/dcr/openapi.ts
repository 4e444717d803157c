import { CLIENT_METADATA, JWE_ALGS, JWE_ENCS, JWS_ALGS, type FieldSpec } from './metadata.js';

/** A route as its OpenAPI paths describe it. */
export interface DocumentedRoute {
  readonly prefix: string;
  /** Registration needs no initial access token. */
  readonly open: boolean;
}

type Schema = Record<string, unknown>;

/** What each field kind of the metadata table is on the wire (the validator checks more). */
const KIND_SCHEMAS: Readonly<Record<FieldSpec['kind'], Schema>> = {
  string: { type: 'string' },
  web_uri: { type: 'string', format: 'uri' },
  https_uri: { type: 'string', format: 'uri', pattern: '^https://' },
  uri_list: { type: 'array', items: { type: 'string', format: 'uri' } },
  redirect_uri_list: { type: 'array', items: { type: 'string', format: 'uri' }, minItems: 1 },
  string_list: { type: 'array', items: { type: 'string' } },
  email_list: { type: 'array', items: { type: 'string' } },
  boolean: { type: 'boolean' },
  non_negative_integer: { type: 'integer', minimum: 0 },
  jwks: {
    type: 'object',
    required: ['keys'],
    properties: { keys: { type: 'array', items: { type: 'object', required: ['kty'] } } },
  },
  jws_alg: { type: 'string', enum: [...JWS_ALGS] },
  jwe_alg: { type: 'string', enum: [...JWE_ALGS] },
  jwe_enc: { type: 'string', enum: [...JWE_ENCS] },
};

const NULL: Schema = { type: 'null' };

/**
 * RFC 7591 §2 client metadata as JSON Schema, from the one table the validator walks
 * (`CLIENT_METADATA`): a member per field, `name#tag` variants for localizable ones, closed
 * value sets as enums. Other members are accepted and dropped (RFC 7591 §2), so it stays open.
 */
export function clientMetadataSchema(): Schema {
  const properties: Record<string, Schema> = {};
  const patternProperties: Record<string, Schema> = {};
  for (const [name, spec] of Object.entries(CLIENT_METADATA)) {
    // null is accepted as "not set" (an RFC 7592 update clears a member so).
    const schema = {
      anyOf: [
        spec.values ? { type: 'string', enum: [...spec.values] } : KIND_SCHEMAS[spec.kind],
        NULL,
      ],
    };
    properties[name] = schema;
    if (spec.localizable) patternProperties[`^${name}#.+$`] = schema;
  }
  return { type: 'object', properties, patternProperties };
}

const json = (ref: string) => ({
  'application/json': { schema: { $ref: `#/components/schemas/${ref}` } },
});
const error = (description: string) => ({ description, content: json('Error') });

/** The answers every registration operation may give besides its success. */
const ERRORS = {
  '400': error(
    'invalid_request, invalid_client_metadata, invalid_redirect_uri, invalid_software_statement, unapproved_software_statement',
  ),
  '401': error('invalid_token (or a bare Bearer challenge without credentials)'),
  '403': error('insufficient_scope'),
  '429': error('temporarily_unavailable: a rate limit or quota (Retry-After)'),
  '502': error('server_error: the IdP answered unusably'),
  '503': error('temporarily_unavailable: the IdP or a key set is unavailable (Retry-After)'),
  '504': error('temporarily_unavailable: the IdP did not answer in time (Retry-After)'),
};

/**
 * The OpenAPI 3.1 document of the gateway's own API for `routes`: RFC 7591 registration and
 * RFC 7592 management under each prefix, health and readiness. Built from the same metadata
 * table the validator uses; `test/fixtures/openapi.json` holds it for an example route
 * (`npm run openapi` regenerates it; a test fails when they drift).
 */
export function openApiDocument(routes: readonly DocumentedRoute[], version: string): Schema {
  const paths: Record<string, unknown> = {};
  for (const route of routes) {
    paths[`${route.prefix}/register`] = {
      post: {
        summary: 'Register a client (RFC 7591)',
        operationId: `register${operationSuffix(route.prefix)}`,
        ...(route.open ? {} : { security: [{ initialAccessToken: [] }] }),
        parameters: [
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            description: 'a retry with the same key and body gets the first answer again',
            schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
          },
        ],
        requestBody: {
          required: true,
          content: {
            ...json('ClientMetadata'),
            'application/jwt': {
              schema: { type: 'string', description: 'a signed registration request (JWS)' },
            },
          },
        },
        responses: {
          '201': { description: 'the client registered', content: json('ClientInformation') },
          ...ERRORS,
          '409': error('idempotency_key_in_progress: the first request with this key still runs'),
          '422': error('idempotency_key_reused: the key was used with another body'),
        },
      },
    };
    const managed = (summary: string, id: string, extra: Record<string, unknown>) => ({
      summary,
      operationId: `${id}${operationSuffix(route.prefix)}`,
      security: [{ registrationAccessToken: [] }],
      ...extra,
    });
    paths[`${route.prefix}/register/{client_id}`] = {
      parameters: [
        {
          name: 'client_id',
          in: 'path',
          required: true,
          schema: { type: 'string', maxLength: 100 },
        },
      ],
      get: managed('Read a client (RFC 7592 §2.1)', 'read', {
        responses: {
          '200': { description: 'the client', content: json('ClientInformation') },
          ...ERRORS,
        },
      }),
      put: managed('Update a client (RFC 7592 §2.2)', 'update', {
        requestBody: { required: true, content: json('ClientMetadata') },
        responses: {
          '200': { description: 'the client as updated', content: json('ClientInformation') },
          ...ERRORS,
        },
      }),
      delete: managed('Delete a client (RFC 7592 §2.3)', 'delete', {
        responses: { '204': { description: 'deleted' }, ...ERRORS },
      }),
    };
  }
  paths['/healthz'] = {
    get: {
      summary: 'Liveness',
      operationId: 'healthz',
      responses: { '200': { description: 'alive' } },
    },
  };
  paths['/readyz'] = {
    get: {
      summary:
        'Readiness: serving, degraded while the cache is unreachable (bypassed) or a breaker is open',
      operationId: 'readyz',
      responses: {
        '200': {
          description: 'ready',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['status', 'cache', 'backends'],
                properties: {
                  status: { enum: ['ready', 'degraded'] },
                  cache: { enum: ['ok', 'unreachable'] },
                  backends: {
                    type: 'object',
                    description: "each backend's circuit breaker",
                    additionalProperties: { enum: ['closed', 'open', 'half_open'] },
                  },
                },
              },
            },
          },
        },
        '503': { description: 'shutting down' },
      },
    },
  };
  paths['/openapi.json'] = {
    get: {
      summary: 'This document',
      operationId: 'openapi',
      responses: { '200': { description: 'the OpenAPI 3.1 document of this gateway' } },
    },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'dcr-gateway',
      version,
      description:
        'OAuth 2.0 Dynamic Client Registration (RFC 7591, RFC 7592) in front of identity providers.',
    },
    paths,
    components: {
      securitySchemes: {
        initialAccessToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'RFC 7591 §3 initial access token',
        },
        registrationAccessToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'RFC 7592 registration access token',
        },
      },
      schemas: {
        ClientMetadata: clientMetadataSchema(),
        ClientInformation: {
          allOf: [
            { $ref: '#/components/schemas/ClientMetadata' },
            {
              type: 'object',
              required: ['client_id', 'registration_access_token', 'registration_client_uri'],
              properties: {
                client_id: { type: 'string' },
                client_secret: { type: 'string' },
                client_id_issued_at: { type: 'integer' },
                client_secret_expires_at: { type: 'integer' },
                registration_access_token: { type: 'string' },
                registration_client_uri: { type: 'string', format: 'uri' },
              },
            },
          ],
        },
        Error: {
          type: 'object',
          required: ['error', 'error_description', 'request_id'],
          properties: {
            error: { type: 'string' },
            error_description: { type: 'string' },
            request_id: { type: 'string' },
          },
        },
      },
    },
  };
}

/** `/tenants/a-b` → `TenantsAB`: operation ids unique per route. */
const operationSuffix = (prefix: string): string =>
  prefix
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
