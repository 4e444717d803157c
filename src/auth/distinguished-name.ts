import { ATTRIBUTE_NAMES, type AttributeValue, type Rdn } from './certificate-names.js';

/** Short names by upper case, and the dotted OID of each: both spellings name one type. */
const TYPE_ALIASES: ReadonlyMap<string, string> = new Map([
  ...Object.values(ATTRIBUTE_NAMES).map((name): [string, string] => [name, name]),
  ...Object.entries(ATTRIBUTE_NAMES).map(([oid, name]): [string, string] => [oid, name]),
  ['E', 'EMAILADDRESS'],
]);

/**
 * An RFC 4514 string (`CN=client,O=Example\, Inc.,C=DE`) as RDNs, in the order written;
 * undefined when it is not one. Values are unescaped (`\,`, `\2C`, UTF-8 hex pairs); a `#hex`
 * value stays as written, lower case.
 */
export function parseDistinguishedName(text: string): Rdn[] | undefined {
  const rdns: AttributeValue[][] = [[]];
  let at = 0;
  while (at < text.length) {
    const equals = text.indexOf('=', at);
    if (equals < 0) return undefined;
    const written = text.slice(at, equals).trim();
    const type = TYPE_ALIASES.get(written.replace(/^oid\./i, '').toUpperCase());
    if (type === undefined && !/^\d+(\.\d+)+$/.test(written)) return undefined;
    const value = readValue(text, equals + 1);
    if (value === undefined) return undefined;
    rdns.at(-1)!.push({ type: type ?? written, value: value.text });
    at = value.end;
    if (at === text.length) break;
    if (text[at] === ',') rdns.push([]);
    else if (text[at] !== '+') return undefined;
    at += 1;
    if (at === text.length) return undefined;
  }
  return rdns[0]!.length === 0 ? undefined : rdns;
}

const SPECIAL = new Set([' ', '"', '#', '+', ',', ';', '<', '=', '>', '\\']);

/** A value from `start` up to an unescaped `,` or `+` (RFC 4514 §3), unescaped. */
function readValue(text: string, start: number): { text: string; end: number } | undefined {
  let at = start;
  if (text[at] === '#') {
    const hex = /^#([0-9a-fA-F]{2})+/.exec(text.slice(at))?.[0];
    if (hex === undefined) return undefined;
    return { text: hex.toLowerCase(), end: at + hex.length };
  }
  const bytes: number[] = [];
  for (; at < text.length && text[at] !== ',' && text[at] !== '+'; at++) {
    const char = text[at]!;
    if (char !== '\\') {
      bytes.push(...Buffer.from(char, 'utf8'));
      continue;
    }
    const next = text[at + 1];
    const pair = text.slice(at + 1, at + 3);
    if (next !== undefined && SPECIAL.has(next)) {
      bytes.push(next.charCodeAt(0));
      at += 1;
    } else if (/^[0-9a-fA-F]{2}$/.test(pair)) {
      bytes.push(parseInt(pair, 16));
      at += 2;
    } else return undefined;
  }
  return { text: Buffer.from(bytes).toString('utf8'), end: at };
}

/**
 * A comparable form of a DN: the RDNs in order, each RDN's pairs sorted, values with outer
 * space removed, inner runs of space made one, in lower case. That is RFC 4517
 * distinguishedNameMatch with caseIgnoreMatch for every attribute, which the attributes of
 * certificate subjects use (C, O, OU, CN, ...), and near enough for the others.
 */
export function comparableName(rdns: readonly Rdn[]): string {
  return JSON.stringify(
    rdns.map((rdn) =>
      rdn
        .map(({ type, value }) => `${type}=${value.trim().replace(/\s+/g, ' ').toLowerCase()}`)
        .sort(),
    ),
  );
}
