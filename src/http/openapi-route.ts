import type { FastifyInstance } from 'fastify';

/** `GET /openapi.json`: the gateway's own API as its routes are configured, built once. */
export function openApiRoute(document: Readonly<Record<string, unknown>>) {
  const body = JSON.stringify(document);
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/openapi.json', async (_request, reply) =>
      reply.type('application/json; charset=utf-8').send(body),
    );
  };
}
