import { deleteField, fieldPath, getField, isRecord, setField, type Json } from './fields.js';
import {
  convert,
  enumMap,
  listToScope,
  millisToSeconds,
  move,
  runSteps,
  scopeToList,
  flagToBoolean,
  toNumber,
  toText,
  type RecordSteps,
  type Step,
} from './rules.js';
import type { TableRule } from './schema.js';

/** The two-way field table of a mapping, compiled: standard -> vendor, and back. */
export interface FieldTable {
  /** Registered metadata (standard names) to the vendor's names and spellings. */
  readonly toVendor: RecordSteps;
  /** A vendor record to standard names: every rule inverted, in reverse order. */
  readonly fromVendor: RecordSteps;
}

interface TwoWay {
  readonly forward: Step;
  readonly inverse: Step;
}

export function compileTable(rules: readonly TableRule[]): FieldTable {
  const compiled = rules.map(compileTwoWay);
  return {
    toVendor: runSteps(compiled.map((rule) => rule.forward)),
    fromVendor: runSteps(compiled.map((rule) => rule.inverse).reverse()),
  };
}

function compileTwoWay(rule: TableRule): TwoWay {
  if ('rename' in rule) {
    const pairs = Object.entries(rule.rename).map(([std, vendor]) => [
      fieldPath(std),
      fieldPath(vendor),
    ]);
    return {
      forward: (record) => pairs.forEach(([std, vendor]) => move(record, std!, vendor!, same)),
      inverse: (record) => pairs.forEach(([std, vendor]) => move(record, vendor!, std!, same)),
    };
  }
  if ('enum_map' in rule) {
    const inverted = Object.fromEntries(
      Object.entries(rule.enum_map).map(([field, map]) => [
        field,
        Object.fromEntries(Object.entries(map).map(([std, vendor]) => [vendor, std])),
      ]),
    );
    return { forward: enumMap(rule.enum_map), inverse: enumMap(inverted) };
  }
  if ('scope_list' in rule) {
    const from = fieldPath(rule.scope_list.from);
    const to = fieldPath(rule.scope_list.to);
    return {
      forward: (record) => move(record, from, to, scopeToList),
      inverse: (record) => move(record, to, from, listToScope),
    };
  }
  if ('boolean_number' in rule) {
    return {
      forward: convert(rule.boolean_number, (v) => (v === true ? 1 : v === false ? 0 : v)),
      inverse: convert(rule.boolean_number, flagToBoolean),
    };
  }
  if ('number_string' in rule)
    return {
      forward: convert(rule.number_string, toText),
      inverse: convert(rule.number_string, toNumber),
    };
  if ('seconds_millis' in rule) {
    return {
      forward: convert(rule.seconds_millis, (v) =>
        typeof v === 'number' && v < 1e11 ? v * 1000 : v,
      ),
      inverse: convert(rule.seconds_millis, millisToSeconds),
    };
  }
  if ('member_flag' in rule) return memberFlag(rule.member_flag);
  if ('json_text' in rule) return jsonText(rule.json_text);
  return localeList(rule.locale_list);
}

const same = (value: unknown): unknown => value;

/** `refresh_token` in `grant_types` <-> `options.refreshToken: true`. */
function memberFlag(rule: { list: string; value: string; flag: string }): TwoWay {
  const list = fieldPath(rule.list);
  const flag = fieldPath(rule.flag);
  return {
    forward: (record) => {
      const values = getField(record, list);
      if (Array.isArray(values)) setField(record, flag, values.includes(rule.value));
    },
    inverse: (record) => {
      const set = flagToBoolean(getField(record, flag));
      deleteField(record, flag);
      if (set !== true) return;
      const values = getField(record, list);
      const current = Array.isArray(values) ? values : [];
      if (!current.includes(rule.value)) setField(record, list, [...current, rule.value]);
    },
  };
}

interface LocaleEntry {
  name: string;
  value: unknown;
  locale: string | null;
}

/** `client_name#de` <-> `metadata: [{ name: client_name, value, locale: de }]`. */
function localeList(rule: {
  fields: readonly string[];
  to: string;
  untagged: 'keep' | 'list';
}): TwoWay {
  const fields = new Set(rule.fields);
  const to = fieldPath(rule.to);
  return {
    forward: (record) => {
      const entries: LocaleEntry[] = [];
      for (const [key, value] of Object.entries(record)) {
        const hash = key.indexOf('#');
        const base = hash === -1 ? key : key.slice(0, hash);
        if (!fields.has(base) || (hash === -1 && rule.untagged === 'keep')) continue;
        entries.push({ name: base, value, locale: hash === -1 ? null : key.slice(hash + 1) });
        delete record[key];
      }
      if (entries.length === 0) return;
      const existing = getField(record, to);
      setField(record, to, [...(Array.isArray(existing) ? existing : []), ...entries]);
    },
    inverse: (record) => {
      const list = getField(record, to);
      if (!Array.isArray(list)) return;
      const rest = list.filter((entry: unknown) => {
        if (!isRecord(entry) || typeof entry.name !== 'string' || !fields.has(entry.name))
          return true;
        const locale =
          typeof entry.locale === 'string' && entry.locale !== '' ? entry.locale : null;
        const key = locale === null ? entry.name : `${entry.name}#${locale}`;
        if (!Object.hasOwn(record, key)) record[key] = entry.value;
        return false;
      });
      if (rest.length > 0) setField(record, to, rest);
      else deleteField(record, to);
    },
  };
}

/**
 * Registered members a vendor has no field for, kept at the vendor in one free-text member as
 * a JSON object, so that they need not ride in the RAT (where an update would leave older RATs
 * carrying older values). Going out the members are copied, not moved: body rules after the
 * table still see them (and a body `keep` drops them). Coming back only the listed members are
 * taken, and only when absent: what the vendor stores in fields of its own wins.
 */
function jsonText(rule: { fields: readonly string[]; to: string }): TwoWay {
  const fields = rule.fields.map((name) => [name, fieldPath(name)] as const);
  const to = fieldPath(rule.to);
  return {
    forward: (record) => {
      const packed: Json = {};
      for (const [name, path] of fields) {
        const value = getField(record, path);
        if (value !== undefined) packed[name] = value;
      }
      if (Object.keys(packed).length > 0) setField(record, to, JSON.stringify(packed));
    },
    inverse: (record) => {
      const text = getField(record, to);
      deleteField(record, to);
      const packed = typeof text === 'string' ? parseObject(text) : undefined;
      if (packed === undefined) return;
      for (const [name, path] of fields) {
        if (Object.hasOwn(packed, name) && getField(record, path) === undefined)
          setField(record, path, packed[name]);
      }
    },
  };
}

function parseObject(text: string): Json | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
