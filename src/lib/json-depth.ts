/**
 * No registration needs more than a few levels (a `jwks` key is three deep); a body nested
 * thousands deep would later overflow recursive code such as `JSON.stringify` on the way to
 * the vendor.
 */
export const MAX_JSON_DEPTH = 16;

/** Nesting depth of a parsed JSON value (a scalar is 0), walked without recursion. */
export function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > MAX_JSON_DEPTH) return deepest;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}
