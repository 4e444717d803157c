import { createHash } from 'node:crypto';
import { FileError, parseWith, readYamlFile, type YamlSource } from '../lib/yaml-source.js';
import { compileMapping, type CallReferences, type CompiledMapping } from './compile.js';
import { REGISTERED_STATE } from './adapter.js';
import {
  mappingSchema,
  type Call,
  type MappingFile,
  type Operation,
  type OperationName,
} from './schema.js';
import { TemplateError, type FilePath, type PlacedReference } from './template.js';

/**
 * Reads, validates, compiles and freezes one mapping file. The same function serves start-up
 * and the offline check, so a file that passes one passes the other. Every problem names the
 * file, line and path.
 */
export function loadMapping(file: string): CompiledMapping {
  return loadMappingSource(readYamlFile(file));
}

export function loadMappingSource(source: YamlSource): CompiledMapping {
  const parsed = parseWith(mappingSchema, source);
  const hash = createHash('sha256').update(source.text).digest('hex').slice(0, 16);
  let compiled: ReturnType<typeof compileMapping>;
  try {
    compiled = compileMapping(parsed, hash);
  } catch (error) {
    if (error instanceof TemplateError)
      throw new FileError(describe(source, { path: error.at, message: error.message }));
    throw error;
  }
  const problems = [
    ...checkNames(parsed, compiled.references),
    ...checkAdminReferences(parsed, compiled.adminReferences),
  ];
  if (problems.length > 0)
    throw new FileError(problems.map((problem) => describe(source, problem)).join('\n'));
  return deepFreeze(compiled.mapping);
}

interface Problem {
  path: FilePath;
  message: string;
}

const describe = (source: YamlSource, { path, message }: Problem): string =>
  `${source.locate(path)}: ${path.join('.')}: ${message}`;

/**
 * Cross-references zod cannot see: params and resources declared, vars captured (or generated,
 * or kept) before use, one result call, a client id from somewhere.
 */
function checkNames(file: MappingFile, references: Map<string, CallReferences>): Problem[] {
  const problems: Problem[] = [];
  const create = file.operations.create;
  const generated = Object.keys(file.generate);
  const createCaptures = new Set([
    ...generated,
    ...create.calls.flatMap((call) => Object.keys(call.capture)),
  ]);
  if (!createCaptures.has('client_id')) {
    problems.push({
      path: ['operations', 'create'],
      message: 'a create call must capture client_id (or the mapping generate it)',
    });
  }
  const keptName = (entry: string | { var: string }) =>
    typeof entry === 'string' ? entry : entry.var;
  const kept = new Set(['client_id', ...create.keep.map(keptName)]);
  const checkCalls = (at: FilePath, calls: readonly Call[], available: Set<string>): void => {
    const checkReference = (ref: PlacedReference): void => {
      if (ref.namespace === 'param') problems.push(...paramProblems(file, ref));
      if (ref.namespace === 'var' && !ref.optional && !available.has(ref.name)) {
        problems.push({
          path: ref.at,
          message: `{var.${ref.name}} is neither kept in the RAT nor captured before it is used`,
        });
      }
    };
    const compensating = at.includes('compensate');
    calls.forEach((call, index) => {
      const path = [...at, index];
      const placed = references.get(path.join('.'));
      // A vendor that lost a write has nothing to remove: only undoing a create may call
      // "already gone" a success. Anywhere else a 404 has its own meaning (RFC 7592).
      if (!compensating && call.expect.some((status) => status >= 300))
        problems.push({
          path: [...path, 'expect'],
          message: 'only compensating calls may expect 404 or 410 (the client is already gone)',
        });
      placed?.request.forEach(checkReference);
      const from = call.body?.from;
      if (typeof from === 'object' && !available.has(from.var)) {
        problems.push({
          path: [...path, 'body', 'from', 'var'],
          message: `var ${from.var} is not available here`,
        });
      }
      if (call.url !== undefined && !/^\{var\.[A-Za-z_][A-Za-z0-9_]*\}$/.test(call.url)) {
        problems.push({
          path: [...path, 'url'],
          message: 'url must be exactly one {var.NAME} captured from the vendor',
        });
      }
      for (const captured of Object.keys(call.capture)) {
        if (captured === REGISTERED_STATE)
          problems.push({
            path: [...path, 'capture', captured],
            message: `${REGISTERED_STATE} is reserved for echoed members`,
          });
        available.add(captured);
      }
      // Result rules run once this call's captures are in.
      placed?.result.forEach(checkReference);
    });
  };
  for (const [name, operation] of Object.entries(file.operations) as [
    OperationName,
    Operation | undefined,
  ][]) {
    if (operation === undefined) continue;
    const calls = ['operations', name, 'calls'];
    checkCalls(calls, operation.calls, new Set(name === 'create' ? generated : kept));
    const results = operation.calls.filter((call) => call.result !== undefined).length;
    if (name === 'delete' ? results > 0 : results !== 1) {
      problems.push({
        path: ['operations', name],
        message: `${name === 'delete' ? 'no call may have a result' : 'needs exactly one call with result'}, found ${results}`,
      });
    }
    const creating = operation.calls.filter((call) => call.creates === true).length;
    if (name === 'create' && creating > 1)
      problems.push({ path: calls, message: 'at most one call creates the client' });
    if (name !== 'create' && creating > 0)
      problems.push({ path: calls, message: 'only create calls create the client' });
    const keepable = name === 'create' ? createCaptures : kept;
    operation.keep.forEach((entry, index) => {
      const var_ = keptName(entry);
      if (!keepable.has(var_) && !operation.calls.some((call) => Object.hasOwn(call.capture, var_)))
        problems.push({
          path: ['operations', name, 'keep', index],
          message: `${var_} is not a var this operation can keep`,
        });
    });
  }
  const compensate = create.compensate;
  if (compensate !== undefined) {
    checkCalls(
      ['operations', 'create', 'compensate', 'calls'],
      compensate.calls,
      new Set(createCaptures),
    );
    if (compensate.calls.some((call) => call.result !== undefined))
      problems.push({
        path: ['operations', 'create', 'compensate'],
        message: 'no compensating call may have a result',
      });
  } else if (file.operations.delete === undefined) {
    problems.push({
      path: ['operations', 'create'],
      message: 'a create needs compensate calls when the mapping has no delete operation',
    });
  }
  return problems;
}

/** `admin_auth.token_path` is rendered once per backend, before any call: parameters only. */
function checkAdminReferences(
  file: MappingFile,
  references: readonly PlacedReference[],
): Problem[] {
  return references.flatMap((ref): Problem[] => {
    if (ref.namespace === 'var')
      return [{ path: ref.at, message: `{var.${ref.name}}: token_path may name parameters only` }];
    return paramProblems(file, ref);
  });
}

/** A parameter named in a template is declared, and set whenever the template renders. */
function paramProblems(file: MappingFile, ref: PlacedReference): Problem[] {
  const spec = Object.hasOwn(file.parameters, ref.name) ? file.parameters[ref.name] : undefined;
  if (spec === undefined)
    return [{ path: ref.at, message: `{param.${ref.name}} is not declared under parameters` }];
  if (!ref.optional && !spec.required && spec.default === undefined)
    return [
      {
        path: ref.at,
        message: `{param.${ref.name}} may be unset: make the parameter required, give it a default, or a fallback`,
      },
    ];
  return [];
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    if (value instanceof Set || value instanceof Map) return value;
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
