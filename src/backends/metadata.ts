import { request } from 'undici';
import { badVendorResponse, vendorTimeout, vendorUnavailable } from '../errors/index.js';

/** Where and how a site fetches its IdP's metadata. */
export interface MetadataFetchOptions {
  /** The IdP's origin, where the metadata is fetched. */
  readonly upstream: string;
  /** The site's public Host and scheme: the IdP builds the endpoint URLs from them. */
  readonly forwardedHost: string;
  readonly forwardedProto: string;
  /** `Host` is the site's public one too (`preserve_host`), not the upstream's. */
  readonly preserveHost: boolean;
  /** Bound on the whole fetch: connect, headers and body. */
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
}

/** An IdP metadata document, or `undefined` where the IdP has none at that path (404). */
export type FetchMetadata = (path: string) => Promise<Record<string, unknown> | undefined>;

/**
 * Fetches authorization server metadata from the IdP as the site's proxy would ask for it
 * (same `X-Forwarded-*`), so the IdP names its public endpoints. Within one deadline; a
 * failure becomes a typed error with the original as `cause`, the IdP's body never in it.
 */
export function createMetadataFetcher(options: MetadataFetchOptions): FetchMetadata {
  return async (path) => {
    const signal = AbortSignal.timeout(options.timeoutMs);
    let response;
    try {
      response = await request(new URL(path, options.upstream), {
        signal,
        headers: {
          accept: 'application/json',
          'x-forwarded-host': options.forwardedHost,
          'x-forwarded-proto': options.forwardedProto,
          ...(options.preserveHost ? { host: options.forwardedHost } : {}),
        },
      });
    } catch (error) {
      throw signal.aborted
        ? vendorTimeout(`metadata ${path}: no answer within ${options.timeoutMs} ms`, error)
        : vendorUnavailable(`metadata ${path}: ${(error as { code?: string }).code}`, error);
    }
    const text = await readText(response.body, options.maxResponseBytes, signal, path);
    if (response.statusCode === 404) return undefined;
    if (response.statusCode !== 200)
      throw vendorUnavailable(`metadata ${path}: status ${response.statusCode}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw badVendorResponse(`metadata ${path}: not JSON`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw badVendorResponse(`metadata ${path}: not a JSON object`);
    return parsed as Record<string, unknown>;
  };
}

async function readText(
  body: AsyncIterable<Buffer> & { destroy(): void },
  limit: number,
  signal: AbortSignal,
  path: string,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      size += chunk.length;
      if (size > limit) {
        body.destroy();
        throw badVendorResponse(`metadata ${path}: over ${limit} bytes`);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (signal.aborted) throw vendorTimeout(`metadata ${path}: body not received in time`, error);
    throw error;
  }
  return Buffer.concat(chunks).toString('utf8');
}
