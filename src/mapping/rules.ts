import type { FieldRule } from './schema.js';
import {
  compileTemplateAt,
  within,
  type FilePath,
  type PlacedReference,
  type TemplateScope,
} from './template.js';

type Json = Record<string, unknown>;
type Step = (record: Json, scope: TemplateScope) => void;

/** A rule list compiled to one function; it copies its input and never mutates it. */
export interface CompiledRules {
  (record: Readonly<Json>, scope: TemplateScope): Json;
  /** Every template reference, placed relative to the rule list (`[index, rule, field]`). */
  readonly references: readonly PlacedReference[];
}

/** Compiles field rules, in order, into plain functions: nothing is interpreted per request. */
export function compileRules(rules: readonly FieldRule[]): CompiledRules {
  const references: PlacedReference[] = [];
  const steps = rules.map((rule, index) =>
    within([index], () => {
      const placed: PlacedReference[] = [];
      const step = compileRule(rule, placed);
      references.push(...placed.map((ref) => ({ ...ref, at: [index, ...ref.at] })));
      return step;
    }),
  );
  const apply = (record: Readonly<Json>, scope: TemplateScope): Json => {
    const out = { ...record };
    for (const step of steps) step(out, scope);
    return out;
  };
  return Object.assign(apply, { references });
}

function compileRule(rule: FieldRule, references: PlacedReference[]): Step {
  if ('rename' in rule) {
    const pairs = Object.entries(rule.rename);
    return (record) => {
      for (const [from, to] of pairs) {
        if (Object.hasOwn(record, from)) {
          const value = record[from];
          delete record[from];
          record[to] = value;
        }
      }
    };
  }
  if ('set' in rule || 'default' in rule) {
    const onlyWhenAbsent = 'default' in rule;
    const kind = onlyWhenAbsent ? 'default' : 'set';
    const values = Object.entries('set' in rule ? rule.set : rule.default).map(
      ([field, value]) => [field, compileValue([kind, field], value, references)] as const,
    );
    return (record, scope) => {
      for (const [field, value] of values) {
        const absent = !Object.hasOwn(record, field) || record[field] === undefined;
        if (!onlyWhenAbsent || absent) record[field] = value(scope);
      }
    };
  }
  if ('drop' in rule) {
    const fields = rule.drop;
    return (record) => {
      for (const field of fields) delete record[field];
    };
  }
  if ('keep' in rule) {
    const kept = new Set(rule.keep);
    return (record) => {
      for (const field of Object.keys(record)) if (!kept.has(field)) delete record[field];
    };
  }
  if ('enum_map' in rule) {
    const maps = Object.entries(rule.enum_map).map(
      ([field, map]) => [field, new Map(Object.entries(map))] as const,
    );
    return (record) => {
      for (const [field, map] of maps) {
        const value = record[field];
        if (Array.isArray(value)) record[field] = value.map((item) => map.get(item) ?? item);
        else if (typeof value === 'string') record[field] = map.get(value) ?? value;
      }
    };
  }
  if ('scope_to_list' in rule) {
    const { from, to } = rule.scope_to_list;
    return (record) =>
      move(record, from, to, (value) =>
        typeof value === 'string' ? value.split(' ').filter(Boolean) : value,
      );
  }
  if ('list_to_scope' in rule) {
    const { from, to } = rule.list_to_scope;
    return (record) =>
      move(record, from, to, (value) => (Array.isArray(value) ? value.join(' ') : value));
  }
  if ('to_string' in rule)
    return convert(rule.to_string, (v) =>
      typeof v === 'number' || typeof v === 'boolean' ? String(v) : v,
    );
  if ('to_number' in rule) {
    return convert(rule.to_number, (v) =>
      typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v,
    );
  }
  if ('to_boolean' in rule)
    return convert(rule.to_boolean, (v) => (v === 'true' ? true : v === 'false' ? false : v));
  if ('millis_to_seconds' in rule) {
    // Vendors disagree even within one product: values below 1e11 are seconds already.
    return convert(rule.millis_to_seconds, (v) =>
      typeof v === 'number' && v >= 1e11 ? Math.floor(v / 1000) : v,
    );
  }
  return (record) => {
    for (const [field, value] of Object.entries(record)) {
      if (value === null || value === '' || (Array.isArray(value) && value.length === 0))
        delete record[field];
    }
  };
}

function move(record: Json, from: string, to: string, change: (value: unknown) => unknown): void {
  if (!Object.hasOwn(record, from)) return;
  const value = record[from];
  delete record[from];
  record[to] = change(value);
}

function convert(fields: readonly string[], change: (value: unknown) => unknown): Step {
  return (record) => {
    for (const field of fields)
      if (Object.hasOwn(record, field)) record[field] = change(record[field]);
  };
}

/** Strings in `set`/`default` are templates; other JSON values are constants. */
function compileValue(
  at: FilePath,
  value: unknown,
  references: PlacedReference[],
): (scope: TemplateScope) => unknown {
  if (typeof value !== 'string') return () => structuredClone(value);
  const compiled = compileTemplateAt(at, value);
  references.push(...compiled.references);
  return (scope) => compiled.template.render(scope);
}
