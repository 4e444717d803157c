import fc from 'fast-check';
import { expect, it } from 'vitest';
import { copyOf, mergeInto } from '../../src/lib/objects.js';

/** Records as JSON.parse makes them, `__proto__` and `constructor` members included. */
const record = fc
  .dictionary(
    fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'toString')),
    fc.jsonValue(),
  )
  .map((value) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>);

it('copies and merges exactly as spread does, `__proto__` members included', () => {
  fc.assert(
    fc.property(record, record, record, (a, b, c) => {
      const copy = copyOf(a);
      expect(copy).not.toBe(a);
      expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
      expect(Object.entries(copy)).toStrictEqual(Object.entries({ ...a }));
      const merged = mergeInto({}, a, b, c);
      expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
      expect(Object.entries(merged)).toStrictEqual(Object.entries({ ...a, ...b, ...c }));
    }),
  );
});

it('never lets a `__proto__` member become the prototype', () => {
  const hostile = JSON.parse('{"__proto__": {"admin": true}, "name": "x"}') as object;
  const copy = copyOf(hostile) as Record<string, unknown>;
  expect(copy.admin).toBeUndefined();
  expect(Object.hasOwn(copy, '__proto__')).toBe(true);
  expect(Object.entries(mergeInto({ a: 1 }, hostile))).toStrictEqual([
    ['a', 1],
    ...Object.entries(hostile),
  ]);
});
