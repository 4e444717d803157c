import { copyOf } from '../lib/objects.js';

/**
 * Members addressed by name, where a dotted name (`options.public`) walks nested objects. Own
 * properties only: a vendor body must never yield `constructor` or `__proto__` values.
 */
export type Json = Record<string, unknown>;

export interface FieldPath {
  readonly name: string;
  readonly segments: readonly string[];
}

export function fieldPath(name: string): FieldPath {
  return { name, segments: name.split('.') };
}

export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at `path`, or undefined. */
export function getField(record: Readonly<Json>, path: FieldPath): unknown {
  let value: unknown = record;
  for (const segment of path.segments) {
    // Arrays too: `clientIds.0` reads an index.
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, segment))
      return undefined;
    value = (value as Json)[segment];
  }
  return value;
}

export function hasField(record: Readonly<Json>, path: FieldPath): boolean {
  return getField(record, path) !== undefined;
}

/**
 * Sets `path`, copying each nested object on the way: rule steps own the top-level record they
 * were given, but nested objects may still be shared with the caller's input.
 */
export function setField(record: Json, path: FieldPath, value: unknown): void {
  let target = record;
  const last = path.segments.length - 1;
  for (let index = 0; index < last; index++) {
    const segment = path.segments[index]!;
    const child = Object.hasOwn(target, segment) ? target[segment] : undefined;
    const copy: Json = isRecord(child) ? copyOf(child) : {};
    defineMember(target, segment, copy);
    target = copy;
  }
  defineMember(target, path.segments[last]!, value);
}

/** Removes `path`; a nested object it leaves empty goes too, so a moved member leaves nothing. */
export function deleteField(record: Json, path: FieldPath): void {
  if (path.segments.length === 1) {
    delete record[path.name];
    return;
  }
  const parentPath = fieldPath(path.segments.slice(0, -1).join('.'));
  const parent = getField(record, parentPath);
  if (!isRecord(parent)) return;
  const copy = { ...parent };
  delete copy[path.segments[path.segments.length - 1]!];
  if (Object.keys(copy).length > 0) setField(record, parentPath, copy);
  else deleteField(record, parentPath);
}

/** Plain assignment would call the `__proto__` setter for that member name. */
function defineMember(target: Json, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** Objects merge member by member; anything else in `over` replaces what `base` had. */
export function deepMerge(base: Readonly<Json>, over: Readonly<Json>): Json {
  const out: Json = copyOf(base);
  for (const [key, value] of Object.entries(over)) {
    const current = Object.hasOwn(out, key) ? out[key] : undefined;
    defineMember(
      out,
      key,
      isRecord(current) && isRecord(value) ? deepMerge(current, value) : value,
    );
  }
  return out;
}

/** Only the listed members of `record` (nested paths kept nested); all of it without a list. */
export function pickFields(record: Readonly<Json>, paths: readonly FieldPath[] | undefined): Json {
  if (paths === undefined) return copyOf(record);
  const out: Json = {};
  for (const path of paths) {
    const value = getField(record, path);
    if (value !== undefined) setField(out, path, value);
  }
  return out;
}
