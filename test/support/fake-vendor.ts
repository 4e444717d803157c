import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StandardBackendAddress } from './gateway.js';
import {
  createBackendClient,
  type BackendClient,
  type BackendOptions,
} from '../../src/backends/index.js';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
  readonly traceparent: string | undefined;
  readonly body: string;
}

/** What reached the vendor, counted as it happened (a hang records no finished request). */
export interface VendorTraffic {
  /** TCP connections accepted. */
  connections: number;
  /** Requests whose headers arrived, finished or not. */
  arrived: number;
  /** Requests whose response is still open now. */
  open: number;
  /** The most responses open at the same time. */
  peakOpen: number;
}

export interface FakeVendor {
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  readonly traffic: VendorTraffic;
  close(): Promise<void>;
}

/** How a fake vendor answers one request, once its body is in. */
export type VendorAnswer = (
  request: RecordedRequest,
  response: ServerResponse,
  baseUrl: string,
) => void;

/**
 * A scripted HTTP peer for failure cases a real IdP will not produce on demand (malformed
 * answers, hangs, drips). It records every request it receives and counts what is open.
 */
export async function startFakeVendor(answer: VendorAnswer): Promise<FakeVendor> {
  const requests: RecordedRequest[] = [];
  const traffic: VendorTraffic = { connections: 0, arrived: 0, open: 0, peakOpen: 0 };
  let baseUrl = '';
  const server = createServer((req: IncomingMessage, res) => {
    traffic.arrived++;
    traffic.open++;
    traffic.peakOpen = Math.max(traffic.peakOpen, traffic.open);
    res.on('close', () => traffic.open--);
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
        traceparent: req.headers.traceparent as string | undefined,
        body,
      };
      requests.push(recorded);
      answer(recorded, res, baseUrl);
    });
  });
  server.on('connection', () => traffic.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    requests,
    traffic,
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

/** The real backend client on a fake vendor, without admin credentials. */
export const unauthenticatedClient = (
  vendor: FakeVendor,
  settings: Pick<BackendOptions, 'requestTimeoutMs' | 'maxResponseBytes' | 'observe'>,
): BackendClient =>
  createBackendClient({
    id: 'fake',
    baseUrl: new URL(vendor.baseUrl),
    adminScheme: { kind: 'none' },
    adminCredentials: {},
    connectTimeoutMs: 1_000,
    ...settings,
  });

/** An answer that never comes: the request is read and the response left open. */
export const hang = (): void => undefined;

/**
 * An answer that starts at once and never ends: 200 with JSON headers, then one byte every
 * `intervalMs` until the peer goes away, so a per-chunk idle timeout never fires.
 */
export function drip(
  intervalMs: number,
): (request: RecordedRequest, response: ServerResponse) => void {
  return (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.write('[');
    const timer = setInterval(() => response.write(' '), intervalMs);
    response.on('close', () => clearInterval(timer));
  };
}
