import fc from 'fast-check';
import { expect } from 'vitest';
import { call } from './gateway.js';

/** A 2xx, or a 4xx the gateway gave itself: never the vendor's refusal, never a 5xx. */
export function expectNoVendorRefusal(
  answer: Awaited<ReturnType<typeof call>>,
  success: number,
  sent: unknown,
): boolean {
  const context = `${JSON.stringify(sent)} -> ${answer.text}`;
  if (answer.status === success) return true;
  expect(answer.status, context).toBe(400);
  expect(answer.body.error_description, context).not.toMatch(/^the identity provider/);
  return false;
}

/**
 * For generated registrations: create through `register`, update with another generated body,
 * delete; no step may meet the vendor's refusal. Resolves with how many creates reached the
 * vendor, so a caller can show the generator is not stopped by the gateway alone.
 */
export async function lifecycleOfAnyRegistration(
  register: () => string,
  metadata: fc.Arbitrary<Record<string, unknown>>,
  numRuns: number,
): Promise<number> {
  let created = 0;
  await fc.assert(
    fc.asyncProperty(metadata, metadata, async (first, second) => {
      const answer = await call('POST', register(), { body: first });
      if (!expectNoVendorRefusal(answer, 201, first)) return;
      created++;
      const client = answer.body;
      const update = { ...second, client_id: client.client_id };
      const updated = await call('PUT', client.registration_client_uri, {
        token: client.registration_access_token,
        body: update,
      });
      expectNoVendorRefusal(updated, 200, update);
      const deleted = await call('DELETE', client.registration_client_uri, {
        token: client.registration_access_token,
      });
      expect(deleted.status).toBe(204);
    }),
    { numRuns },
  );
  return created;
}
