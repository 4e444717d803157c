import { isDeepStrictEqual } from 'node:util';
import { normalizeClient } from '../dcr/index.js';
import { GatewayError } from '../errors/index.js';
import {
  createAdapter,
  type CompiledMapping,
  type MappingExample,
  type VendorRequest,
  type VendorResponse,
} from '../mapping/index.js';

/** The base URL examples are written against. */
export const EXAMPLE_BASE_URL = 'https://idp.example';

/**
 * Runs a mapping's examples offline through the real adapter (stored-fields filter, field
 * table, call loop, kept state, compensation) and the live normalizer, with the vendor replaced
 * by the example's recorded exchanges. Returns one line per mismatch; empty when every example
 * holds.
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
    if (exchange === undefined) {
      // Reported here: a compensating call swallows what its send throws.
      problems.push(`unexpected extra call ${request.call}`);
      throw new UnrecordedCall();
    }
    const { method, url, body, auth, headers } = exchange.request;
    const expected = {
      method,
      url: absolute(url),
      body,
      ...(auth === undefined ? {} : { auth }),
      // Header names are case-insensitive; the gateway sends them in lower case.
      ...(headers === undefined
        ? {}
        : {
            headers: Object.fromEntries(
              Object.entries(headers).map(([key, value]) => [key.toLowerCase(), value]),
            ),
          }),
    };
    const actual = {
      method: request.method,
      url: requestUrl(request),
      body: request.body,
      ...(auth === undefined ? {} : { auth: request.auth }),
      ...(headers === undefined ? {} : { headers: request.headers ?? {} }),
    };
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
  const adapter = createAdapter(mapping, {
    params: { ...Object.fromEntries(defaults), ...example.parameters },
    send,
    generate: (name) => {
      const value = example.generated[name];
      if (value === undefined) throw new Error(`the example fixes no generated value for ${name}`);
      return value;
    },
  });
  const metadata = example.metadata ?? {};
  const clientId = typeof example.state.client_id === 'string' ? example.state.client_id : '';
  // Examples give the client id beside the kept state, as the RAT carries it.
  const state = Object.fromEntries(
    Object.entries(example.state).filter(([key]) => key !== 'client_id'),
  );
  const normalize = (record: Record<string, unknown>) =>
    normalizeClient({ client_id: clientId, ...record }, mapping.extensions);
  try {
    // As in the pipeline, normalizing runs inside create: a record it cannot use compensates.
    const outcome =
      example.operation === 'create'
        ? await adapter.create(metadata, (created) => ({
            ...created,
            record: normalize(created.record),
          }))
        : example.operation === 'read'
          ? await adapter.read(clientId, state)
          : example.operation === 'update'
            ? await adapter.update(clientId, state, metadata)
            : (await adapter.delete(clientId, state), undefined);
    if (example.error !== undefined)
      problems.push(`expected error ${example.error}, the operation succeeded`);
    if (example.result !== undefined && outcome !== undefined) {
      const result = normalize(outcome.record);
      if (!isDeepStrictEqual(result, example.result))
        problems.push(
          `result ${JSON.stringify(result)}, expected ${JSON.stringify(example.result)}`,
        );
    }
    if (
      example.kept !== undefined &&
      outcome !== undefined &&
      !isDeepStrictEqual(outcome.state, example.kept)
    )
      problems.push(
        `kept ${JSON.stringify(outcome.state)}, expected ${JSON.stringify(example.kept)}`,
      );
  } catch (error) {
    if (error instanceof UnrecordedCall) return problems;
    const code = error instanceof GatewayError ? error.code : String(error);
    if (code !== example.error)
      problems.push(`failed with ${code}${example.error ? `, expected ${example.error}` : ''}`);
  }
  if (exchanges.length > 0) problems.push(`${exchanges.length} expected call(s) never made`);
  return problems;
}

/** A call the example did not record; already reported when it is thrown. */
class UnrecordedCall extends Error {}

const absolute = (url: string): string => new URL(url, EXAMPLE_BASE_URL).href;

function requestUrl(request: VendorRequest): string {
  const url = new URL(request.url ?? `${EXAMPLE_BASE_URL}${request.path}`);
  for (const [key, value] of Object.entries(request.query ?? {}))
    url.searchParams.append(key, value);
  return url.href;
}
