import {
  deleteField,
  fieldPath,
  getField,
  hasField,
  setField,
  type FieldPath,
  type Json,
} from './fields.js';
import type { Condition, FieldRule } from './schema.js';
import {
  compileTemplateAt,
  within,
  type FilePath,
  type PlacedReference,
  type TemplateScope,
} from './template.js';
import { copyOf } from '../lib/objects.js';

export type Step = (record: Json, scope: TemplateScope) => void;

/**
 * Steps compiled to one function, which copies its input and never mutates it; `inPlace` runs
 * them over a record the caller made for the purpose and nothing else holds, sparing a copy
 * (about a µs for a vendor record of some 30 members).
 */
export interface RecordSteps {
  (record: Readonly<Json>, scope: TemplateScope): Json;
  readonly inPlace: (record: Json, scope: TemplateScope) => Json;
}

/** A rule list compiled (see `RecordSteps`). */
export interface CompiledRules extends RecordSteps {
  /** Every template reference, placed relative to the rule list (`[index, rule, field]`). */
  readonly references: readonly PlacedReference[];
}

/** Compiles field rules, in order, into plain functions: nothing is interpreted per request. */
export function compileRules(rules: readonly FieldRule[]): CompiledRules {
  const references: PlacedReference[] = [];
  const steps = rules.map((rule, index) =>
    within([index], () => {
      const placed: PlacedReference[] = [];
      const step = guarded(rule, compileRule(rule, placed));
      references.push(...placed.map((ref) => ({ ...ref, at: [index, ...ref.at] })));
      return step;
    }),
  );
  return Object.assign(runSteps(steps), { references });
}

/** Runs compiled steps over a copy of the record, or over the record itself (`inPlace`). */
export function runSteps(steps: readonly Step[]): RecordSteps {
  const inPlace = (record: Json, scope: TemplateScope): Json => {
    for (const step of steps) step(record, scope);
    return record;
  };
  const copying = (record: Readonly<Json>, scope: TemplateScope) => inPlace(copyOf(record), scope);
  return Object.assign(copying, { inPlace });
}

/** `when` / `unless`, tested against the record as it stands when the rule runs. */
function guarded(rule: FieldRule, step: Step): Step {
  const when = rule.when === undefined ? undefined : compileCondition(rule.when);
  const unless = rule.unless === undefined ? undefined : compileCondition(rule.unless);
  if (when === undefined && unless === undefined) return step;
  return (record, scope) => {
    if (when !== undefined && !when(record)) return;
    if (unless !== undefined && unless(record)) return;
    step(record, scope);
  };
}

/** Every member matches: equal, one of a list, or (for a list member) containing the value. */
export function compileCondition(condition: Condition): (record: Readonly<Json>) => boolean {
  const tests = Object.entries(condition).map(([name, expected]) => {
    const path = fieldPath(name);
    if (typeof expected === 'object' && !Array.isArray(expected)) {
      const pattern = new RegExp(expected.matches, expected.ignore_case ? 'i' : '');
      const matches = (item: unknown) => typeof item === 'string' && pattern.test(item);
      return (record: Readonly<Json>) => {
        const value = getField(record, path);
        return Array.isArray(value) ? value.some(matches) : matches(value);
      };
    }
    const wanted = new Set(Array.isArray(expected) ? expected : [expected]);
    return (record: Readonly<Json>) => {
      const value = getField(record, path);
      return Array.isArray(value)
        ? value.some((item) => wanted.has(item as string))
        : wanted.has(value as string);
    };
  });
  return (record) => tests.every((test) => test(record));
}

const paths = (names: readonly string[]): FieldPath[] => names.map(fieldPath);

function compileRule(rule: FieldRule, references: PlacedReference[]): Step {
  if ('rename' in rule) {
    const pairs = Object.entries(rule.rename).map(([from, to]) => [fieldPath(from), fieldPath(to)]);
    return (record) => {
      for (const [from, to] of pairs) move(record, from!, to!, (value) => value);
    };
  }
  if ('copy' in rule) {
    const pairs = Object.entries(rule.copy).map(([to, from]) => [fieldPath(to), fieldPath(from)]);
    return (record) => {
      for (const [to, from] of pairs) {
        const value = getField(record, from!);
        if (value !== undefined) setField(record, to!, structuredClone(value));
      }
    };
  }
  if ('set' in rule || 'default' in rule) {
    const onlyWhenAbsent = 'default' in rule;
    const kind = onlyWhenAbsent ? 'default' : 'set';
    const values = Object.entries('set' in rule ? rule.set : rule.default).map(
      ([field, value]) =>
        [fieldPath(field), compileValue([kind, field], value, references)] as const,
    );
    return (record, scope) => {
      for (const [field, value] of values) {
        if (!onlyWhenAbsent || !hasField(record, field)) setField(record, field, value(scope));
      }
    };
  }
  if ('drop' in rule) {
    const fields = paths(rule.drop);
    return (record) => {
      for (const field of fields) deleteField(record, field);
    };
  }
  if ('keep' in rule) {
    const kept = paths(rule.keep);
    return (record) => {
      const picked: Json = {};
      for (const field of kept) {
        const value = getField(record, field);
        if (value !== undefined) setField(picked, field, value);
      }
      for (const key of Object.keys(record)) delete record[key];
      Object.assign(record, picked);
    };
  }
  if ('enum_map' in rule) return enumMap(rule.enum_map);
  if ('scope_to_list' in rule) {
    const { from, to } = rule.scope_to_list;
    return (record) => move(record, fieldPath(from), fieldPath(to), scopeToList);
  }
  if ('list_to_scope' in rule) {
    const { from, to } = rule.list_to_scope;
    return (record) => move(record, fieldPath(from), fieldPath(to), listToScope);
  }
  if ('to_string' in rule) return convert(rule.to_string, toText);
  if ('to_number' in rule) return convert(rule.to_number, toNumber);
  if ('to_boolean' in rule) return convert(rule.to_boolean, toBoolean);
  if ('millis_to_seconds' in rule) return convert(rule.millis_to_seconds, millisToSeconds);
  if ('bcp47_case' in rule) return bcp47Case(rule.bcp47_case);
  return (record) => {
    for (const [field, value] of Object.entries(record)) {
      if (value === null || value === '' || (Array.isArray(value) && value.length === 0))
        delete record[field];
    }
  };
}

/**
 * Vendors that store a language tag through a case-folding API (Java's `Locale(String)`) answer
 * `client_name#de-ch` for `client_name#de-CH`. Tags compare case-insensitively (RFC 5646 §2.1.1),
 * so the canonical case restores what callers send. A member whose canonical key is already
 * present keeps that one. Top-level members only, in their order.
 */
function bcp47Case(fields: readonly string[]): Step {
  const names = new Set(fields);
  return (record) => {
    const entries = Object.entries(record);
    for (const key of Object.keys(record)) delete record[key];
    for (const [key, value] of entries) {
      const [name, tag, ...rest] = key.split('#');
      const canonical =
        tag !== undefined && rest.length === 0 && names.has(name!)
          ? `${name}#${canonicalTag(tag)}`
          : key;
      if (!Object.hasOwn(record, canonical)) record[canonical] = value;
    }
  };
}

/**
 * RFC 5646 §2.1.1: language lower case, a 4-letter script title case, a 2-letter region upper
 * case, everything else lower case; after a singleton (`x-`, `u-`) nothing is script or region.
 */
export function canonicalTag(tag: string): string {
  let extension = false;
  return tag
    .split('-')
    .map((subtag, index) => {
      const lower = subtag.toLowerCase();
      if (index === 0 || extension) return lower;
      if (subtag.length === 1) {
        extension = true;
        return lower;
      }
      if (subtag.length === 4 && /^[a-z]+$/i.test(subtag))
        return lower[0]!.toUpperCase() + lower.slice(1);
      if (subtag.length === 2 && /^[a-z]+$/i.test(subtag)) return subtag.toUpperCase();
      return lower;
    })
    .join('-');
}

/** Values map one by one, in lists too; values the map does not name pass unchanged. */
export function enumMap(maps: Readonly<Record<string, Readonly<Record<string, string>>>>): Step {
  const compiled = Object.entries(maps).map(
    ([field, map]) => [fieldPath(field), new Map(Object.entries(map))] as const,
  );
  return (record) => {
    for (const [field, map] of compiled) {
      const value = getField(record, field);
      if (Array.isArray(value))
        setField(
          record,
          field,
          value.map((item) => map.get(item) ?? item),
        );
      else if (typeof value === 'string' && map.has(value)) setField(record, field, map.get(value));
    }
  };
}

export function move(
  record: Json,
  from: FieldPath,
  to: FieldPath,
  change: (value: unknown) => unknown,
): void {
  const value = getField(record, from);
  if (value === undefined) return;
  deleteField(record, from);
  setField(record, to, change(value));
}

export function convert(names: readonly string[], change: (value: unknown) => unknown): Step {
  const fields = paths(names);
  return (record) => {
    for (const field of fields) {
      const value = getField(record, field);
      if (value !== undefined) setField(record, field, change(value));
    }
  };
}

export const scopeToList = (value: unknown): unknown =>
  typeof value === 'string' ? value.split(' ').filter(Boolean) : value;
export const listToScope = (value: unknown): unknown =>
  Array.isArray(value) ? value.join(' ') : value;
export const toText = (value: unknown): unknown =>
  typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
export const toNumber = (value: unknown): unknown =>
  typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))
    ? Number(value)
    : value;
export const toBoolean = (value: unknown): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;
const TRUE = new Set<unknown>(['true', 1, '1']);
const FALSE = new Set<unknown>(['false', 0, '0']);
/** What vendors that store flags as numbers answer: 1/0, "1"/"0", or booleans as strings. */
export const flagToBoolean = (value: unknown): unknown =>
  TRUE.has(value) ? true : FALSE.has(value) ? false : value;
/** Vendors disagree even within one product: values below 1e11 are seconds already. */
export const millisToSeconds = (value: unknown): unknown =>
  typeof value === 'number' && value >= 1e11 ? Math.floor(value / 1000) : value;

/**
 * Strings in `set`/`default` are templates; other JSON values are constants. A template that is
 * one placeholder keeps the value's type (`{var.scopes}` stays a list).
 */
function compileValue(
  at: FilePath,
  value: unknown,
  references: PlacedReference[],
): (scope: TemplateScope) => unknown {
  if (typeof value !== 'string') return () => structuredClone(value);
  const compiled = compileTemplateAt(at, value);
  references.push(...compiled.references);
  return (scope) => structuredClone(compiled.template.value(scope));
}
