import { classifyAddress, type AddressClass } from './ip-address.js';

/**
 * One policy for every URL something behind the gateway, or the gateway itself, will fetch:
 * URLs the IdP fetches for a client it registers (`jwks_uri`, `sector_identifier_uri`, ...) and,
 * later, what the gateway fetches on its own (JWKS of initial access tokens, discovery). It
 * refuses what would make the fetcher connect to this machine or a network behind it.
 *
 * The check happens when the URL is handed over; the fetcher resolves the name again later, and
 * DNS can answer differently then (rebinding). The fetcher's own egress controls stay the real
 * defence; this check keeps a caller from pointing it at internal addresses by plain means.
 */

/** The addresses a host name resolves to (`dns.lookup` with `all: true`); rejects if none. */
export type HostLookup = (host: string) => Promise<readonly string[]>;

export interface OutboundPolicyOptions {
  /** Loopback addresses and `localhost` names are accepted, over http or https. */
  readonly allowLoopback?: boolean;
  /** RFC 1918, CGNAT, ULA and site-local addresses are accepted. */
  readonly allowPrivate?: boolean;
  /**
   * Per allowlist key (a field name, or `*` for fields without their own entry), the only host
   * patterns accepted: `app.example` itself, `*.app.example` any name below it (not itself).
   */
  readonly allowHosts?: Readonly<Record<string, readonly string[]>>;
  /** Host patterns refused whatever else says, same syntax. */
  readonly denyHosts?: readonly string[];
  /** Longest a request waits for its lookups, all run at once (default 1000). */
  readonly resolveTimeoutMs?: number;
  /**
   * A host that does not resolve (no address, lookup error, timeout): `refuse` (default) since
   * it cannot be shown to be public, or `accept` where the fetcher shares the gateway's resolver
   * and so cannot reach what the gateway cannot resolve.
   */
  readonly unresolvable?: 'refuse' | 'accept';
  /** Distinct names one `checkAll` looks up at most (default 10); more are refused. */
  readonly maxLookups?: number;
  readonly lookup: HostLookup;
}

/** One URL to check: `field` names it in the refusal, `allowlist` picks its allowlist (default `field`). */
export interface OutboundUrl {
  readonly field: string;
  readonly url: string;
  readonly allowlist?: string;
}

export type OutboundVerdict =
  { readonly ok: true } | { readonly ok: false; readonly field: string; readonly reason: string };

export interface OutboundPolicy {
  /**
   * Checks every URL, looking each distinct name up once, all concurrently, within the
   * timeout; the verdict names the first refused URL in input order.
   */
  checkAll(urls: readonly OutboundUrl[]): Promise<OutboundVerdict>;
}

export const DEFAULT_RESOLVE_TIMEOUT_MS = 1_000;
export const DEFAULT_MAX_LOOKUPS = 10;

/** Reasons, completing "`field` ..." in a refusal. */
export const REASONS = Object.freeze({
  https: 'must be an https URI',
  internal: 'must not point at an internal address',
  denied: 'must not point at a denied host',
  notAllowed: 'must point at an allowed host',
  unresolvable: 'must point at a host that resolves',
  unparsable: 'must be an absolute URI',
});
const tooManyHosts = (max: number) =>
  `names more distinct hosts than the ${max} one request may have looked up`;

/** A host pattern: an exact host, or `*.` followed by the domain whose subdomains match. */
interface Pattern {
  readonly host: string;
  readonly subdomains: boolean;
}

/**
 * The host of a pattern in the form `URL` gives hosts, so `FD00:0::1`, `Example.COM.` and
 * `0x7f.1` compare equal to the URLs that spell them so. Throws on what is no host.
 */
export function parsePattern(text: string): Pattern {
  const subdomains = text.startsWith('*.');
  const raw = subdomains ? text.slice(2) : text;
  const bracketed = raw.includes(':') && !raw.startsWith('[') ? `[${raw}]` : raw;
  if (raw === '' || /[/?#@*\s]/.test(raw) || !URL.canParse(`https://${bracketed}/`))
    throw new Error(`"${text}" is not a host name, an IP address or *.domain`);
  return { host: hostOf(new URL(`https://${bracketed}/`)), subdomains };
}

/** The URL's host as compared and looked up: no IPv6 brackets, no trailing dots. */
function hostOf(url: URL): string {
  const host = url.hostname;
  return host.startsWith('[') ? host.slice(1, -1) : host.replace(/\.+$/, '');
}

const matches = (host: string, { host: pattern, subdomains }: Pattern): boolean =>
  subdomains ? host.endsWith(`.${pattern}`) : host === pattern;

/** `localhost` and every name below it are this machine (RFC 6761 §6.3), whatever DNS says. */
const isLocalhostName = (host: string): boolean =>
  host === 'localhost' || host.endsWith('.localhost');

/** What a URL comes to before any lookup. */
type Precheck =
  | { readonly kind: 'refused'; readonly reason: string }
  | { readonly kind: 'accepted' }
  | { readonly kind: 'name'; readonly host: string };

type Resolution = readonly AddressClass[] | 'unresolved';

/** Builds a policy; patterns are parsed once here, so a bad one fails at start. */
export function createOutboundPolicy(options: OutboundPolicyOptions): OutboundPolicy {
  const allowed = new Set<AddressClass>(['public']);
  if (options.allowLoopback === true) allowed.add('loopback');
  if (options.allowPrivate === true) allowed.add('private');
  const deny = (options.denyHosts ?? []).map(parsePattern);
  const allowHosts = new Map(
    Object.entries(options.allowHosts ?? {}).map(([key, list]) => [key, list.map(parsePattern)]),
  );
  const timeoutMs = options.resolveTimeoutMs ?? DEFAULT_RESOLVE_TIMEOUT_MS;
  const maxLookups = options.maxLookups ?? DEFAULT_MAX_LOOKUPS;
  const acceptUnresolved = options.unresolvable === 'accept';

  const precheck = (entry: OutboundUrl): Precheck => {
    const refused = (reason: string): Precheck => ({ kind: 'refused', reason });
    if (!URL.canParse(entry.url)) return refused(REASONS.unparsable);
    const url = new URL(entry.url);
    const host = hostOf(url);
    if (deny.some((pattern) => matches(host, pattern))) return refused(REASONS.denied);
    const list = allowHosts.get(entry.allowlist ?? entry.field) ?? allowHosts.get('*');
    if (list !== undefined && !list.some((pattern) => matches(host, pattern)))
      return refused(REASONS.notAllowed);
    // The parser has turned every IPv4 spelling (0x7f.1, 2130706433, 0177.0.0.1) into dotted form.
    const cls = isLocalhostName(host) ? 'loopback' : classifyAddress(host);
    const loopbackHttp = cls === 'loopback' && allowed.has('loopback') && url.protocol === 'http:';
    if (url.protocol !== 'https:' && !loopbackHttp) return refused(REASONS.https);
    if (cls === undefined) return { kind: 'name', host };
    return allowed.has(cls) ? { kind: 'accepted' } : refused(REASONS.internal);
  };

  const resolveName = async (host: string): Promise<Resolution> => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'unresolved'>((resolve) => {
      timer = setTimeout(() => resolve('unresolved'), timeoutMs);
    });
    const lookup = options
      .lookup(host)
      .then((addresses): Resolution =>
        addresses.length === 0
          ? 'unresolved'
          : addresses.map((address) => classifyAddress(address) ?? 'reserved'),
      )
      .catch((): Resolution => 'unresolved');
    try {
      return await Promise.race([lookup, deadline]);
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    async checkAll(urls) {
      const prechecked = urls.map(precheck);
      // Refusals found without a lookup come first: a bad request costs no lookup.
      const early = prechecked.findIndex((result) => result.kind === 'refused');
      if (early >= 0) return refuse(urls[early]!, (prechecked[early] as { reason: string }).reason);
      const names = new Map<string, Promise<Resolution>>();
      for (const [index, result] of prechecked.entries()) {
        if (result.kind !== 'name' || names.has(result.host)) continue;
        if (names.size === maxLookups) return refuse(urls[index]!, tooManyHosts(maxLookups));
        names.set(result.host, resolveName(result.host));
      }
      await Promise.all(names.values());
      for (const [index, result] of prechecked.entries()) {
        if (result.kind !== 'name') continue;
        const resolution = await names.get(result.host)!;
        if (resolution === 'unresolved') {
          if (!acceptUnresolved) return refuse(urls[index]!, REASONS.unresolvable);
        } else if (!resolution.every((cls) => allowed.has(cls))) {
          return refuse(urls[index]!, REASONS.internal);
        }
      }
      return { ok: true };
    },
  };
}

const refuse = (entry: OutboundUrl, reason: string): OutboundVerdict => ({
  ok: false,
  field: entry.field,
  reason,
});
