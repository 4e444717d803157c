/**
 * JSON with object keys sorted at every level, so two bodies that differ only in member order
 * (or whitespace) read the same: what an idempotency fingerprint hashes. No body at all (undefined)
 * reads as `null`, like a JSON `null`: neither is a registration anyone repeats.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value ?? null, (_key, member: unknown) =>
    member !== null && typeof member === 'object' && !Array.isArray(member)
      ? Object.fromEntries(Object.entries(member).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : member,
  );
}
