import type { OutboundUrl } from '../lib/outbound-url.js';
import type { Metadata } from './metadata.js';
import { specOf } from './validate.js';

/**
 * The URLs of `metadata` that the IdP may fetch (table entries marked `fetched`), each named by
 * its member (`logo_uri#fr`) and checked against the allowlist of its base name (`logo_uri`).
 */
export function fetchedUrls(metadata: Metadata): OutboundUrl[] {
  return Object.entries(metadata).flatMap(([field, value]) => {
    if (specOf(field)?.fetched !== true) return [];
    const allowlist = field.split('#')[0]!;
    const urls = Array.isArray(value) ? value : [value];
    return urls.flatMap((url) => (typeof url === 'string' ? [{ field, url, allowlist }] : []));
  });
}
