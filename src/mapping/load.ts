import { createHash } from 'node:crypto';
import { FileError, parseWith, readYamlFile, type YamlSource } from '../config/yaml-source.js';
import { compileMapping, type CallReferences, type CompiledMapping } from './compile.js';
import { mappingSchema, type MappingFile, type OperationName } from './schema.js';
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
  const problems = checkNames(parsed, compiled.references);
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

/** Cross-references zod cannot see: params declared, vars captured before use, one result call. */
function checkNames(file: MappingFile, references: Map<string, CallReferences>): Problem[] {
  const problems: Problem[] = [];
  const create = file.operations.create;
  const createCaptures = new Set(create.calls.flatMap((call) => Object.keys(call.capture)));
  if (!createCaptures.has('client_id')) {
    problems.push({
      path: ['operations', 'create'],
      message: 'a create call must capture client_id',
    });
  }
  const kept = new Set(['client_id', ...create.keep]);
  for (const [name, operation] of Object.entries(file.operations) as [
    OperationName,
    MappingFile['operations']['create'] | undefined,
  ][]) {
    if (operation === undefined) continue;
    const available = new Set(name === 'create' ? [] : kept);
    const checkReference = (ref: PlacedReference): void => {
      if (ref.namespace === 'param' && !Object.hasOwn(file.parameters, ref.name)) {
        problems.push({
          path: ref.at,
          message: `{param.${ref.name}} is not declared under parameters`,
        });
      }
      if (ref.namespace === 'var' && !available.has(ref.name)) {
        problems.push({
          path: ref.at,
          message: `{var.${ref.name}} is neither kept in the RAT nor captured before it is used`,
        });
      }
    };
    operation.calls.forEach((call, index) => {
      const path = ['operations', name, 'calls', index];
      const placed = references.get(path.join('.'));
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
      for (const captured of Object.keys(call.capture)) available.add(captured);
      // Result rules run once this call's captures are in.
      placed?.result.forEach(checkReference);
    });
    const results = operation.calls.filter((call) => call.result !== undefined).length;
    if (name === 'delete' ? results > 0 : results !== 1) {
      problems.push({
        path: ['operations', name],
        message: `${name === 'delete' ? 'no call may have a result' : 'needs exactly one call with result'}, found ${results}`,
      });
    }
    const keepable = name === 'create' ? createCaptures : kept;
    operation.keep.forEach((var_, index) => {
      if (!keepable.has(var_))
        problems.push({
          path: ['operations', name, 'keep', index],
          message: `${var_} is not a var this operation can keep`,
        });
    });
  }
  return problems;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    if (value instanceof Set || value instanceof Map) return value;
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
