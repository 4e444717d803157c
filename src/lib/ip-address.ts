/**
 * What an IP address reaches, from the IANA special-purpose registries (RFC 6890 and its
 * updates): only `public` is a host on the Internet; every other class is this machine, a
 * network behind it, or nothing a server should connect to.
 */
export type AddressClass =
  'public' | 'loopback' | 'private' | 'link_local' | 'multicast' | 'unspecified' | 'reserved';

interface Block {
  readonly bytes: readonly number[];
  readonly bits: number;
  readonly class: AddressClass;
}

const block = (bytes: number[], bits: number, cls: AddressClass): Block => ({
  bytes,
  bits,
  class: cls,
});

/** IPv4 blocks that are not `public`; they do not overlap, so the order does not matter. */
const IPV4_BLOCKS: readonly Block[] = [
  block([0], 8, 'unspecified'), // "this network" (RFC 791), 0.0.0.0 connects to this host
  block([10], 8, 'private'), // RFC 1918
  block([100, 64], 10, 'private'), // CGNAT shared space (RFC 6598)
  block([127], 8, 'loopback'),
  block([169, 254], 16, 'link_local'), // incl. cloud metadata services (169.254.169.254)
  block([172, 16], 12, 'private'),
  block([192, 0, 0], 24, 'reserved'), // IETF protocol assignments
  block([192, 0, 2], 24, 'reserved'), // documentation (TEST-NET-1)
  block([192, 88, 99], 24, 'reserved'), // deprecated 6to4 relay anycast
  block([192, 168], 16, 'private'),
  block([198, 18], 15, 'reserved'), // benchmarking
  block([198, 51, 100], 24, 'reserved'), // documentation (TEST-NET-2)
  block([203, 0, 113], 24, 'reserved'), // documentation (TEST-NET-3)
  block([224], 4, 'multicast'),
  block([240], 4, 'reserved'), // future use, and 255.255.255.255 broadcast
];

/**
 * IPv6 blocks that are not `public`, most specific first. Forms that embed an IPv4 address
 * (mapped, compatible, NAT64, 6to4, Teredo) are not listed: `classifyAddress` classifies the
 * address they carry, since that is where a connection ends up.
 */
const IPV6_BLOCKS: readonly Block[] = [
  block([0, 0x64, 0xff, 0x9b, 0, 1], 48, 'private'), // local-use NAT64 (RFC 8215)
  block([1, 0, 0, 0, 0, 0, 0, 0], 64, 'reserved'), // discard-only (RFC 6666)
  block([0x20, 0x01, 0x0d, 0xb8], 32, 'reserved'), // documentation
  block([0x20, 0x01, 0, 0x10], 28, 'reserved'), // ORCHID
  block([0x20, 0x01, 0, 0x20], 28, 'reserved'), // ORCHIDv2
  block([0xfc], 7, 'private'), // unique local (ULA)
  block([0xfe, 0x80], 10, 'link_local'),
  block([0xfe, 0xc0], 10, 'private'), // deprecated site-local
  block([0xff], 8, 'multicast'),
];

function inBlock(address: readonly number[], { bytes, bits }: Block): boolean {
  for (let bit = 0; bit < bits; bit += 8) {
    const index = bit / 8;
    const mask = (0xff << (8 - Math.min(8, bits - bit))) & 0xff;
    if (((address[index] ?? 0) & mask) !== ((bytes[index] ?? 0) & mask)) return false;
  }
  return true;
}

/**
 * The class of an IP address in the spelling DNS results and the WHATWG URL parser give
 * (dotted-quad IPv4, IPv6 with or without `::` and a dotted tail, optionally a `%zone`), or
 * undefined when `text` is not such an address. Other IPv4 spellings (`0x7f.1`, `2130706433`)
 * are the URL parser's to normalize first: a host name in a URL is never passed here raw.
 */
export function classifyAddress(text: string): AddressClass | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return classifyIpv4(v4);
  const v6 = parseIpv6(text.replace(/%[^%]*$/, ''));
  return v6 === undefined ? undefined : classifyIpv6(v6);
}

function classifyIpv4(address: readonly number[]): AddressClass {
  return IPV4_BLOCKS.find((candidate) => inBlock(address, candidate))?.class ?? 'public';
}

const isZero = (bytes: readonly number[]): boolean => bytes.every((byte) => byte === 0);

function classifyIpv6(a: readonly number[]): AddressClass {
  const embedded = (...v4: number[][]): AddressClass =>
    v4.map(classifyIpv4).find((cls) => cls !== 'public') ?? 'public';
  const startsWith = (bytes: number[]) => bytes.every((byte, i) => a[i] === byte);
  if (isZero(a)) return 'unspecified';
  if (isZero(a.slice(0, 15)) && a[15] === 1) return 'loopback';
  // ::ffff:a.b.c.d (mapped), ::ffff:0:a.b.c.d (SIIT), ::a.b.c.d (compatible), 64:ff9b::a.b.c.d
  if (
    (isZero(a.slice(0, 10)) && a[10] === 0xff && a[11] === 0xff) ||
    (isZero(a.slice(0, 8)) && a[8] === 0xff && a[9] === 0xff && a[10] === 0 && a[11] === 0) ||
    isZero(a.slice(0, 12)) ||
    (startsWith([0, 0x64, 0xff, 0x9b]) && isZero(a.slice(4, 12)))
  )
    return embedded(a.slice(12, 16));
  if (startsWith([0x20, 0x02])) return embedded(a.slice(2, 6)); // 6to4
  // Teredo: the server's address, and the client's with every bit inverted.
  if (startsWith([0x20, 0x01, 0, 0]))
    return embedded(
      a.slice(4, 8),
      a.slice(12, 16).map((byte) => byte ^ 0xff),
    );
  const listed = IPV6_BLOCKS.find((candidate) => inBlock(a, candidate))?.class;
  if (listed !== undefined) return listed;
  // Only 2000::/3 is global unicast; the rest of the space is unassigned.
  return (a[0]! & 0xe0) === 0x20 ? 'public' : 'reserved';
}

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Strict dotted-quad IPv4 (what `URL` and `dns.lookup` produce), as 4 bytes. */
function parseIpv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => OCTET.test(part))) return undefined;
  return parts.map(Number);
}

/** RFC 4291 §2.2 text forms (`::` compression, dotted IPv4 tail), as 16 bytes. */
function parseIpv6(text: string): number[] | undefined {
  if (!/^[0-9A-Fa-f:.]+$/.test(text) || !text.includes(':')) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  // A dotted IPv4 tail may only end the address.
  const groups = (half: string, last: boolean): number[] | undefined => {
    if (half === '') return [];
    const words: number[] = [];
    const parts = half.split(':');
    for (const [index, part] of parts.entries()) {
      const tail = last && index === parts.length - 1 ? parseIpv4(part) : undefined;
      if (tail !== undefined) words.push((tail[0]! << 8) | tail[1]!, (tail[2]! << 8) | tail[3]!);
      else if (/^[0-9A-Fa-f]{1,4}$/.test(part)) words.push(parseInt(part, 16));
      else return undefined;
    }
    return words;
  };
  const left = groups(halves[0]!, halves.length === 1);
  const right = halves.length === 2 ? groups(halves[1]!, true) : [];
  if (left === undefined || right === undefined) return undefined;
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const words = [...left, ...Array<number>(missing).fill(0), ...right];
  return words.flatMap((word) => [word >> 8, word & 0xff]);
}

/**
 * The bytes of an IP address in the forms `classifyAddress` reads: 4 for IPv4 and for an
 * IPv4-mapped IPv6 address (how a dual-stack socket names an IPv4 peer), 16 for other IPv6;
 * undefined when `text` is no such address.
 */
export function addressBytes(text: string): number[] | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return v4;
  const v6 = parseIpv6(text.replace(/%[^%]*$/, ''));
  if (v6 === undefined) return undefined;
  return isZero(v6.slice(0, 10)) && v6[10] === 0xff && v6[11] === 0xff ? v6.slice(12) : v6;
}

/**
 * Whether an address is one of `entries` (addresses, or CIDR blocks such as `10.0.0.0/8`),
 * the entries parsed once. An entry that does not parse matches nothing (config checks them).
 */
export function addressMatcher(entries: readonly string[]): (address: string) => boolean {
  const blocks = entries.flatMap((entry): Block[] => {
    const [address = '', bits] = entry.split('/');
    const bytes = addressBytes(address);
    if (bytes === undefined) return [];
    // An IPv4-mapped block (`::ffff:10.0.0.0/104`) counts its prefix over the IPv4 address.
    const written = bits === undefined ? bytes.length * 8 : Number(bits);
    const prefix = bytes.length === 4 && address.includes(':') ? written - 96 : written;
    return [{ bytes, bits: Math.max(0, prefix), class: 'public' }];
  });
  return (address) => {
    const bytes = addressBytes(address);
    return (
      bytes !== undefined &&
      blocks.some(
        (candidate) => candidate.bytes.length === bytes.length && inBlock(bytes, candidate),
      )
    );
  };
}
