import { GatewayError, invalidToken } from '../errors/index.js';
import { deepMerge, fieldPath, getField, isRecord, pickFields, type Json } from './fields.js';
import type { VendorRequest } from './port.js';
import { compileCondition, compileRules } from './rules.js';
import type {
  AdminAuth,
  Call,
  Condition,
  ErrorTarget,
  FieldRule,
  Generated,
  MappingFile,
  Operation,
  OperationName,
} from './schema.js';
import { compileTable, type FieldTable } from './table.js';
import {
  compileTemplateAt,
  within,
  type FilePath,
  type PlacedReference,
  type Template,
  type TemplateScope,
  TemplateError,
} from './template.js';

export interface CompiledCall {
  readonly name: string;
  readonly expect: ReadonlySet<number>;
  /** The call that makes the client at the vendor: from its success on, a failure compensates. */
  readonly creates: boolean;
  /** Builds the request from the vars so far and, for bodies, the registered metadata. */
  request(scope: TemplateScope, metadata: Readonly<Json>): VendorRequest;
  /** Values this call's response body provides to later calls and the RAT. */
  capture(body: unknown): Record<string, unknown>;
  /** Present on the call whose response is the client: its record in standard names. */
  readonly result?: (body: Json, scope: TemplateScope) => Json;
}

export interface KeptVar {
  readonly name: string;
  readonly optional: boolean;
}

export interface CompiledOperation {
  readonly calls: readonly CompiledCall[];
  readonly keep: readonly KeptVar[];
}

export interface CompiledGenerated {
  readonly name: string;
  readonly kind: Generated['kind'];
  readonly prefix: string;
  readonly applies: (metadata: Readonly<Json>) => boolean;
}

export interface CompiledMapping {
  readonly id: string;
  readonly title: string;
  /** Short hash of the file's text: part of cache keys, so an edited mapping never reads stale entries. */
  readonly hash: string;
  readonly adminAuth: AdminAuth;
  /** `adminAuth` for one backend: a `token_path` template rendered with its parameters. */
  adminAuthFor(params: Readonly<Record<string, string>>): AdminAuth;
  readonly parameters: MappingFile['parameters'];
  readonly capabilities: MappingFile['capabilities'];
  /** `capabilities.fields` as a set of base names, when the vendor stores only some members. */
  readonly storedFields: ReadonlySet<string> | undefined;
  readonly extensions: ReadonlySet<string>;
  readonly generate: readonly CompiledGenerated[];
  readonly echo: readonly string[];
  readonly operations: Readonly<{
    create: CompiledOperation & { readonly compensate: readonly CompiledCall[] | undefined };
    read?: CompiledOperation;
    update?: CompiledOperation;
    delete?: CompiledOperation;
  }>;
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
 * Compiles a validated mapping file into plain functions; `references` (by the call's place,
 * e.g. `operations.create.calls.0`) lets the loader check names. A malformed template throws a
 * `TemplateError` placed in the file.
 */
export function compileMapping(
  file: MappingFile,
  hash: string,
): {
  mapping: CompiledMapping;
  references: Map<string, CallReferences>;
  adminReferences: readonly PlacedReference[];
} {
  const references = new Map<string, CallReferences>();
  const admin = file.admin_auth;
  const tokenPath =
    admin.kind === 'client_credentials'
      ? compileTemplateAt(['admin_auth', 'token_path'], admin.token_path)
      : undefined;
  const table = compileTable(file.fields);
  const resources = new Map(
    Object.entries(file.resources).map(([name, source]) => [
      name,
      compileTemplateAt(['resources', name], source),
    ]),
  );
  const calls = (at: FilePath, list: readonly Call[], firstCreates: boolean) =>
    list.map((call, index) => {
      const place = [...at, index];
      const compiled = within(place, () =>
        compileCall(call, table, resources, firstCreates && index === 0),
      );
      const placed = (refs: readonly PlacedReference[]) =>
        refs.map((ref) => ({ ...ref, at: [...place, ...ref.at] }));
      references.set(place.join('.'), {
        request: placed(compiled.request),
        result: placed(compiled.result),
      });
      return compiled.call;
    });
  const operation = (name: OperationName, spec: Operation): CompiledOperation => {
    const declared = spec.calls.some((call) => call.creates === true);
    return {
      keep: spec.keep.map((entry) =>
        typeof entry === 'string'
          ? { name: entry, optional: false }
          : { name: entry.var, optional: entry.optional },
      ),
      calls: calls(['operations', name, 'calls'], spec.calls, name === 'create' && !declared),
    };
  };
  const { create, read, update, delete: remove } = file.operations;
  const mapping: CompiledMapping = {
    id: file.id,
    title: file.title,
    hash,
    adminAuth: admin,
    adminAuthFor: (params) =>
      admin.kind === 'client_credentials' && tokenPath !== undefined
        ? { ...admin, token_path: tokenPath.template.render({ params, vars: {} }) }
        : admin,
    parameters: file.parameters,
    capabilities: file.capabilities,
    storedFields: file.capabilities.fields ? new Set(file.capabilities.fields) : undefined,
    extensions: new Set(file.extensions),
    generate: Object.entries(file.generate).map(([name, spec]) => ({
      name,
      kind: spec.kind,
      prefix: spec.prefix,
      applies: guard(spec.when, spec.unless),
    })),
    echo: file.echo,
    operations: {
      create: {
        ...operation('create', create),
        compensate: create.compensate
          ? calls(['operations', 'create', 'compensate', 'calls'], create.compensate.calls, false)
          : undefined,
      },
      ...(read ? { read: operation('read', read) } : {}),
      ...(update ? { update: operation('update', update) } : {}),
      ...(remove ? { delete: operation('delete', remove) } : {}),
    },
    examples: file.examples,
    classifyError: compileErrorRules(file.errors),
  };
  return { mapping, references, adminReferences: tokenPath?.references ?? [] };
}

function guard(when: Condition | undefined, unless: Condition | undefined) {
  const yes = when ? compileCondition(when) : () => true;
  const no = unless ? compileCondition(unless) : () => false;
  return (record: Readonly<Json>) => yes(record) && !no(record);
}

function compileCall(
  call: Call,
  table: FieldTable,
  resources: ReadonlyMap<string, { template: Template; references: PlacedReference[] }>,
  createsByDefault: boolean,
): { call: CompiledCall; request: PlacedReference[]; result: PlacedReference[] } {
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
  let target: Template;
  if (call.resource !== undefined) {
    const resource = resources.get(call.resource);
    if (resource === undefined)
      throw new TemplateError(`resource ${call.resource} is not declared under resources`, [
        'resource',
      ]);
    request.push(...resource.references.map((ref) => ({ ...ref, at: ['resource'] })));
    target = resource.template;
  } else if (call.path !== undefined) target = template(['path'], call.path);
  else target = template(['url'], call.url!);
  const isUrl = call.url !== undefined;
  const query = Object.entries(call.query ?? {}).map(
    ([key, value]) => [key, template(['query', key], value)] as const,
  );
  const headers = Object.entries(call.headers ?? {}).map(
    ([key, value]) => [key.toLowerCase(), template(['headers', key], value)] as const,
  );
  const bearer =
    typeof call.auth === 'object' ? template(['auth', 'bearer'], call.auth.bearer) : undefined;
  const bodyRules = call.body ? rules(['body', 'rules'], call.body.rules, request) : undefined;
  const baseKeep = call.body?.base_keep?.map(fieldPath);
  const result: PlacedReference[] = [];
  const resultRules = call.result
    ? rules(['result', 'rules'], call.result.rules, result)
    : undefined;
  const captures = Object.entries(call.capture).map(
    ([name, path]) => [name, compilePath(path)] as const,
  );
  const buildBody = (scope: TemplateScope, metadata: Readonly<Json>): unknown => {
    if (!call.body || !bodyRules) return undefined;
    const { from, overlay_metadata: overlay } = call.body;
    // Each body below is made here for this request: the rules reshape it in place.
    if (from === 'empty') return bodyRules.inPlace({}, scope);
    if (from === 'metadata') return bodyRules.inPlace(table.toVendor(metadata, scope), scope);
    const current = scope.vars[from.var];
    const base = pickFields(isRecord(current) ? current : {}, baseKeep);
    return bodyRules.inPlace(
      overlay ? deepMerge(base, table.toVendor(metadata, scope)) : base,
      scope,
    );
  };
  return {
    request,
    result,
    call: {
      name: call.name,
      expect: new Set(call.expect),
      creates: call.creates === true || createsByDefault,
      request(scope, metadata) {
        return {
          call: call.name,
          method: call.method,
          ...(isUrl
            ? { url: target.render(scope) }
            : { path: target.render(scope, encodeURIComponent) }),
          ...(query.length > 0
            ? { query: Object.fromEntries(query.map(([k, t]) => [k, t.render(scope)])) }
            : {}),
          ...(headers.length > 0
            ? { headers: Object.fromEntries(headers.map(([k, t]) => [k, t.render(scope)])) }
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
        ? {
            result: (body: Json, scope: TemplateScope) =>
              table.fromVendor.inPlace(resultRules(body, scope), scope),
          }
        : {}),
    },
  };
}

/** `$` is the whole body; `a.b.0` walks members and array indexes. */
function compilePath(path: string): (body: unknown) => unknown {
  if (path === '$') return (body) => body;
  const field = fieldPath(path);
  return (body) =>
    typeof body === 'object' && body !== null ? getField(body as Json, field) : undefined;
}

const GENERIC_DESCRIPTIONS: Readonly<Record<ErrorTarget, string>> = {
  invalid_client_metadata: 'the identity provider rejected the client metadata',
  invalid_redirect_uri: 'the identity provider rejected the redirect URIs',
  invalid_software_statement: 'the identity provider rejected the software statement',
  unapproved_software_statement: 'the identity provider does not trust the software statement',
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
