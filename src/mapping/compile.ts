// The mapping renders requests in the backend layer's vocabulary: a type-only contract.
import type { VendorRequest } from '../backends/index.js';
import { GatewayError, invalidToken } from '../errors/index.js';
import { compileRules } from './rules.js';
import type {
  AdminAuth,
  Call,
  ErrorTarget,
  FieldRule,
  MappingFile,
  Operation,
  OperationName,
} from './schema.js';
import {
  compileTemplateAt,
  within,
  type FilePath,
  type PlacedReference,
  type Template,
  type TemplateScope,
} from './template.js';

export interface CompiledCall {
  readonly name: string;
  readonly expect: ReadonlySet<number>;
  /** Builds the request from the vars so far and, for bodies, the registered metadata. */
  request(scope: TemplateScope, metadata: Readonly<Record<string, unknown>>): VendorRequest;
  /** Values this call's response body provides to later calls and the RAT. */
  capture(body: unknown): Record<string, unknown>;
  /** Present on the call whose response is the client: renames it to standard names. */
  readonly result?: (body: unknown, scope: TemplateScope) => Record<string, unknown>;
}

export interface CompiledOperation {
  readonly calls: readonly CompiledCall[];
  readonly keep: readonly string[];
}

export interface CompiledMapping {
  readonly id: string;
  readonly title: string;
  /** Short hash of the file's text: part of cache keys, so an edited mapping never reads stale entries. */
  readonly hash: string;
  readonly adminAuth: AdminAuth;
  readonly parameters: MappingFile['parameters'];
  readonly capabilities: MappingFile['capabilities'];
  readonly extensions: ReadonlySet<string>;
  readonly operations: Readonly<Partial<Record<OperationName, CompiledOperation>>>;
  readonly examples: MappingFile['examples'];
  /** Turns a vendor status outside `expect` into the caller's error, by the file's rules. */
  classifyError(operation: OperationName, status: number, body: unknown): GatewayError;
}

/**
 * The template references of one call, placed in the file, split by when they are rendered:
 * `request` before the call is sent, `result` after its captures are in.
 */
export interface CallReferences {
  readonly request: readonly PlacedReference[];
  readonly result: readonly PlacedReference[];
}

/**
 * Compiles a validated mapping file into plain functions; `references` (by `operations.NAME.calls.INDEX`)
 * lets the loader check names. A malformed template throws a `TemplateError` placed in the file.
 */
export function compileMapping(
  file: MappingFile,
  hash: string,
): { mapping: CompiledMapping; references: Map<string, CallReferences> } {
  const references = new Map<string, CallReferences>();
  const operations: Partial<Record<OperationName, CompiledOperation>> = {};
  for (const [name, operation] of Object.entries(file.operations) as [
    OperationName,
    Operation | undefined,
  ][]) {
    if (operation === undefined) continue;
    operations[name] = {
      keep: operation.keep,
      calls: operation.calls.map((call, index) => {
        const at = ['operations', name, 'calls', index];
        const compiled = within(at, () => compileCall(call));
        const place = (refs: readonly PlacedReference[]) =>
          refs.map((ref) => ({ ...ref, at: [...at, ...ref.at] }));
        references.set(at.join('.'), {
          request: place(compiled.request),
          result: place(compiled.result),
        });
        return compiled.call;
      }),
    };
  }
  const mapping: CompiledMapping = {
    id: file.id,
    title: file.title,
    hash,
    adminAuth: file.admin_auth,
    parameters: file.parameters,
    capabilities: file.capabilities,
    extensions: new Set(file.extensions),
    operations,
    examples: file.examples,
    classifyError: compileErrorRules(file.errors),
  };
  return { mapping, references };
}

function compileCall(call: Call): {
  call: CompiledCall;
  request: PlacedReference[];
  result: PlacedReference[];
} {
  const request: PlacedReference[] = [];
  const template = (at: FilePath, source: string): Template => {
    const compiled = compileTemplateAt(at, source);
    request.push(...compiled.references);
    return compiled.template;
  };
  const rules = (at: FilePath, list: readonly FieldRule[], into: PlacedReference[]) => {
    const compiled = within(at, () => compileRules(list));
    into.push(...compiled.references.map((ref) => ({ ...ref, at: [...at, ...ref.at] })));
    return compiled;
  };
  const target =
    call.path !== undefined ? template(['path'], call.path) : template(['url'], call.url!);
  const query = Object.entries(call.query ?? {}).map(
    ([key, value]) => [key, template(['query', key], value)] as const,
  );
  const bearer =
    typeof call.auth === 'object' ? template(['auth', 'bearer'], call.auth.bearer) : undefined;
  const bodyRules = call.body ? rules(['body', 'rules'], call.body.rules, request) : undefined;
  const baseKeep = call.body?.base_keep ? new Set(call.body.base_keep) : undefined;
  const result: PlacedReference[] = [];
  const resultRules = call.result
    ? rules(['result', 'rules'], call.result.rules, result)
    : undefined;
  const captures = Object.entries(call.capture).map(
    ([name, path]) => [name, compilePath(path)] as const,
  );
  const buildBody = (
    scope: TemplateScope,
    metadata: Readonly<Record<string, unknown>>,
  ): unknown => {
    if (!call.body || !bodyRules) return undefined;
    const { from, overlay_metadata: overlay } = call.body;
    if (from === 'empty') return bodyRules({}, scope);
    const base = from === 'metadata' ? metadata : pick(asRecord(scope.vars[from.var]), baseKeep);
    return bodyRules(overlay ? { ...base, ...metadata } : base, scope);
  };
  return {
    request,
    result,
    call: {
      name: call.name,
      expect: new Set(call.expect),
      request(scope, metadata) {
        const rendered = renderTarget(target, call.path !== undefined, scope);
        return {
          call: call.name,
          method: call.method,
          ...rendered,
          ...(query.length > 0
            ? { query: Object.fromEntries(query.map(([k, t]) => [k, t.render(scope)])) }
            : {}),
          auth: bearer ? { bearer: bearer.render(scope) } : (call.auth as 'admin' | 'none'),
          ...(call.body ? { body: buildBody(scope, metadata) } : {}),
        };
      },
      capture(body) {
        const out: Record<string, unknown> = {};
        for (const [name, read] of captures) {
          const value = read(body);
          if (value !== undefined && value !== null) out[name] = value;
        }
        return out;
      },
      ...(resultRules
        ? { result: (body: unknown, scope: TemplateScope) => resultRules(asRecord(body), scope) }
        : {}),
    },
  };
}

function renderTarget(
  target: Template,
  isPath: boolean,
  scope: TemplateScope,
): { path: string } | { url: string } {
  return isPath
    ? { path: target.render(scope, encodeURIComponent) }
    : { url: target.render(scope) };
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function pick(
  record: Record<string, unknown>,
  fields: ReadonlySet<string> | undefined,
): Record<string, unknown> {
  if (fields === undefined) return record;
  return Object.fromEntries(Object.entries(record).filter(([key]) => fields.has(key)));
}

/** `$` is the whole body; `a.b.0` walks members and array indexes. */
function compilePath(path: string): (body: unknown) => unknown {
  if (path === '$') return (body) => body;
  const segments = path.split('.');
  return (body) => {
    let value = body;
    for (const segment of segments) {
      // Own members only: a vendor body must not yield `constructor` or `__proto__` values.
      if (typeof value !== 'object' || value === null || !Object.hasOwn(value, segment))
        return undefined;
      value = (value as Record<string, unknown>)[segment];
    }
    return value;
  };
}

const GENERIC_DESCRIPTIONS: Readonly<Record<ErrorTarget, string>> = {
  invalid_client_metadata: 'the identity provider rejected the client metadata',
  invalid_redirect_uri: 'the identity provider rejected the redirect URIs',
  invalid_token: 'the access token is invalid',
  backend_rejected: 'the identity provider refused the request',
  backend_unavailable: 'the identity provider is unavailable',
};

function compileErrorRules(rules: MappingFile['errors']): CompiledMapping['classifyError'] {
  const compiled = rules.map((rule) => ({
    statuses: new Set(rule.status),
    operations: rule.operations ? new Set(rule.operations) : undefined,
    errors: rule.error ? new Set(rule.error) : undefined,
    make: (status: number): GatewayError => {
      const detail = `vendor status ${status}`;
      if (rule.as === 'invalid_token') return invalidToken(detail);
      return new GatewayError(rule.as, rule.description ?? GENERIC_DESCRIPTIONS[rule.as], {
        detail,
      });
    },
  }));
  return (operation, status, body) => {
    const vendorError = (body as { error?: unknown } | null)?.error;
    for (const rule of compiled) {
      if (!rule.statuses.has(status)) continue;
      if (rule.operations && !rule.operations.has(operation)) continue;
      if (rule.errors && !(typeof vendorError === 'string' && rule.errors.has(vendorError)))
        continue;
      return rule.make(status);
    }
    const code = status >= 500 ? 'backend_unavailable' : 'backend_rejected';
    return new GatewayError(code, GENERIC_DESCRIPTIONS[code], {
      detail: `unmapped vendor status ${status}`,
    });
  };
}
