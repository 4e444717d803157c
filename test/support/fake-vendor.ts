import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StandardBackendAddress } from './gateway.js';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
  readonly body: string;
}

export interface FakeVendor {
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * A scripted HTTP peer for failure cases a real IdP will not produce on demand (malformed
 * answers, hangs). It records every request it receives.
 */
export async function startFakeVendor(
  answer: (request: RecordedRequest, response: ServerResponse, baseUrl: string) => void,
): Promise<FakeVendor> {
  const requests: RecordedRequest[] = [];
  let baseUrl = '';
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
        body,
      };
      requests.push(recorded);
      answer(recorded, res, baseUrl);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** A fake vendor as a backend of `standardConfig`, with the narrowest usable capabilities. */
export const asBackend = (baseUrl: string): StandardBackendAddress => ({
  baseUrl,
  initialAccessToken: 'iat-for-fake',
  capabilities: {
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_methods: ['client_secret_basic'],
    scopes: ['openid'],
  },
});
