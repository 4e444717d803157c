import { isDeepStrictEqual } from 'node:util';
import type { VendorRequest, VendorResponse } from '../backends/index.js';
import { normalizeClient } from '../dcr/index.js';
import { GatewayError } from '../errors/index.js';
import type { CompiledMapping, MappingExample } from '../mapping/index.js';
import type { Backend } from './context.js';
import { runOperation } from './operation.js';

/** The base URL examples are written against. */
export const EXAMPLE_BASE_URL = 'https://idp.example';

/**
 * Runs a mapping's examples offline through the same operation runner and normalizer as live
 * traffic, with the vendor replaced by the example's recorded exchanges. Returns one line per
 * mismatch; empty when every example holds.
 */
export async function runExamples(mapping: CompiledMapping): Promise<string[]> {
  const failures: string[] = [];
  for (const example of mapping.examples) {
    for (const problem of await runExample(mapping, example))
      failures.push(`${example.name}: ${problem}`);
  }
  return failures;
}

async function runExample(mapping: CompiledMapping, example: MappingExample): Promise<string[]> {
  const problems: string[] = [];
  const exchanges = [...example.calls];
  const send = async (request: VendorRequest): Promise<VendorResponse> => {
    const exchange = exchanges.shift();
    if (exchange === undefined) throw new Error(`unexpected extra call ${request.call}`);
    const expected = {
      method: exchange.request.method,
      url: absolute(exchange.request.url),
      body: exchange.request.body,
    };
    const actual = { method: request.method, url: requestUrl(request), body: request.body };
    if (!isDeepStrictEqual(actual, expected)) {
      problems.push(
        `call ${request.call} sent ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`,
      );
    }
    return { status: exchange.response.status, body: exchange.response.body };
  };
  const defaults = Object.entries(mapping.parameters).flatMap(([key, spec]) =>
    spec.default === undefined ? [] : [[key, spec.default]],
  );
  const backend: Backend = {
    id: 'example',
    mapping,
    params: { ...Object.fromEntries(defaults), ...example.parameters },
    capabilities: mapping.capabilities,
    client: { send },
  };
  try {
    const outcome = await runOperation(
      backend,
      example.operation,
      example.state,
      example.metadata ?? {},
    );
    if (example.error !== undefined)
      problems.push(`expected error ${example.error}, the operation succeeded`);
    if (example.result !== undefined) {
      const result = normalizeClient(outcome.record ?? {}, mapping.extensions);
      if (!isDeepStrictEqual(result, example.result)) {
        problems.push(
          `result ${JSON.stringify(result)}, expected ${JSON.stringify(example.result)}`,
        );
      }
    }
  } catch (error) {
    const code = error instanceof GatewayError ? error.code : String(error);
    if (code !== example.error)
      problems.push(`failed with ${code}${example.error ? `, expected ${example.error}` : ''}`);
  }
  if (exchanges.length > 0) problems.push(`${exchanges.length} expected call(s) never made`);
  return problems;
}

const absolute = (url: string): string => new URL(url, EXAMPLE_BASE_URL).href;

function requestUrl(request: VendorRequest): string {
  const url = new URL(request.url ?? `${EXAMPLE_BASE_URL}${request.path}`);
  for (const [key, value] of Object.entries(request.query ?? {}))
    url.searchParams.append(key, value);
  return url.href;
}
