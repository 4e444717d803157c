/**
 * Shallow copies and merges of plain records, for objects that get more members afterwards.
 *
 * Not spread: on Node 20 (V8 11.3), an object made by `{ ...value }` sends every member added to
 * it later through the runtime, and `{ ...a, ...b }` or `{ ...a, key }` are as slow: 2 to 6 µs
 * for a metadata-sized object where `Object.assign` took 0.1-0.2 µs (README, Performance). For a
 * wide record (some 28 members) two shapes stay fast: `Object.assign` into an empty target
 * (~1 µs) and a literal with the spread last, `{ key, ...value }` (~0.4 µs). Merged onto a
 * target that already has members, a wide record turns it into a dictionary, slower to copy
 * and to serialize after (see normalizeClient). `Object.assign` sets members
 * with [[Set]], though, and a member named `__proto__` (JSON.parse makes one from vendor or
 * caller JSON) would then set the prototype instead: such a source is defined member by member.
 */
export function mergeInto<T extends object>(target: T, ...sources: readonly object[]): T {
  for (const source of sources) {
    if (!Object.hasOwn(source, '__proto__')) {
      Object.assign(target, source);
      continue;
    }
    for (const key of Object.keys(source))
      Object.defineProperty(target, key, {
        value: (source as Record<string, unknown>)[key],
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return target;
}

/** A shallow copy to add members to (see `mergeInto`). */
export const copyOf = <T extends object>(value: T): T => mergeInto({} as T, value);
