import { lookup } from 'node:dns/promises';
import type { HostLookup } from './outbound-url.js';

/** The system resolver, as the IdP's HTTP client uses it (hosts file included). */
export const systemLookup: HostLookup = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

/**
 * `lookup` with at most `maxPending` lookups outstanding at once; more are refused at once.
 * `dns.lookup` runs on libuv's small thread pool and cannot be cancelled, so a lookup given up
 * on still holds its thread until the resolver answers: without a bound, slow names sent by
 * callers would starve every other lookup, the backends' own included.
 */
export function boundedLookup(lookup: HostLookup, maxPending: number): HostLookup {
  let pending = 0;
  return async (host) => {
    if (pending >= maxPending) throw new Error('too many host lookups in progress');
    pending++;
    try {
      return await lookup(host);
    } finally {
      pending--;
    }
  };
}
