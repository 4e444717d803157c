import { badVendorResponse, methodNotAllowed } from '../errors/index.js';
import type { OperationName } from '../mapping/index.js';
import { TemplateError } from '../mapping/index.js';
import type { Backend } from './context.js';

export interface OperationOutcome {
  /** The vendor's view of the client, renamed to standard names; absent for delete. */
  readonly record?: Record<string, unknown>;
  /** The vars after every call: the state to keep in the RAT is picked from these. */
  readonly vars: Readonly<Record<string, unknown>>;
}

/**
 * Runs one mapping operation: each call is rendered from the vars so far, sent, checked against
 * its expected statuses (anything else goes through the mapping's error rules), and its
 * captures feed the next call.
 */
export async function runOperation(
  backend: Backend,
  name: OperationName,
  state: Readonly<Record<string, unknown>>,
  metadata: Readonly<Record<string, unknown>>,
): Promise<OperationOutcome> {
  const operation = backend.mapping.operations[name];
  if (operation === undefined) throw methodNotAllowed(managementMethods(backend));
  const vars: Record<string, unknown> = { ...state };
  const scope = { params: backend.params, vars };
  let record: Record<string, unknown> | undefined;
  for (const call of operation.calls) {
    let request;
    try {
      request = call.request(scope, metadata);
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      throw badVendorResponse(`call ${call.name}: ${error.message}`);
    }
    const response = await backend.client.send(request);
    if (!call.expect.has(response.status))
      throw backend.mapping.classifyError(name, response.status, response.body);
    Object.assign(vars, call.capture(response.body));
    if (call.result) {
      if (
        typeof response.body !== 'object' ||
        response.body === null ||
        Array.isArray(response.body)
      ) {
        throw badVendorResponse(`call ${call.name}: body is not a JSON object`);
      }
      record = call.result(response.body, scope);
    }
  }
  return record === undefined ? { vars } : { record, vars };
}

/** The vars an operation keeps, as RAT state; a kept value must be a string. */
export function keptState(
  backend: Backend,
  name: OperationName,
  previous: Readonly<Record<string, string>>,
  vars: Readonly<Record<string, unknown>>,
): Record<string, string> {
  const state = { ...previous };
  for (const key of backend.mapping.operations[name]?.keep ?? []) {
    const value = vars[key];
    if (typeof value === 'string' && value !== '') state[key] = value;
    else if (name === 'create') {
      throw badVendorResponse(`create did not yield ${key}`);
    }
  }
  return state;
}

/** The RFC 7592 methods a backend's mapping supports, for `Allow` when one is missing. */
function managementMethods(backend: Backend): string[] {
  const { read, update, delete: remove } = backend.mapping.operations;
  return [
    ...(read ? ['GET', 'HEAD'] : []),
    ...(update ? ['PUT'] : []),
    ...(remove ? ['DELETE'] : []),
  ];
}
