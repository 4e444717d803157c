/**
 * The names an X.509 certificate carries (RFC 5280 §4.1.2.6 subject, §4.2.1.6 subjectAltName),
 * read from its DER with a minimal reader: node's `X509Certificate` prints them as text meant
 * for people (escaping and ordering vary by version), where RFC 8705 §2.1.2 compares values.
 */
export interface CertificateNames {
  /** The subject's RDNs in RFC 4514 order (the last RDN of the DER first). */
  readonly subject: readonly Rdn[];
  readonly dns: readonly string[];
  readonly uri: readonly string[];
  /** iPAddress entries: 4 or 16 bytes each. */
  readonly ip: readonly (readonly number[])[];
  readonly email: readonly string[];
}

/** One RDN: its attribute type/value pairs (more than one for a multi-valued RDN). */
export type Rdn = readonly AttributeValue[];

export interface AttributeValue {
  /** The RFC 4514 short name (`CN`, `O`, ...), or the dotted OID for other types. */
  readonly type: string;
  /** A string value as text; any other value as `#` and the hex of its DER (RFC 4514 §2.4). */
  readonly value: string;
}

/** RFC 4514 §3 short names, plus the two others that subject DNs commonly carry. */
export const ATTRIBUTE_NAMES: Readonly<Record<string, string>> = Object.freeze({
  '2.5.4.3': 'CN',
  '2.5.4.5': 'SERIALNUMBER',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'STREET',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'EMAILADDRESS',
});

const SEQUENCE = 0x30;
const SET = 0x31;
const OID = 0x06;
const OCTET_STRING = 0x04;
const BOOLEAN = 0x01;
const VERSION = 0xa0;
const EXTENSIONS = 0xa3;
const SUBJECT_ALT_NAME = '2.5.29.17';

/** Context-specific GeneralName tags (RFC 5280 §4.2.1.6), implicitly tagged primitives. */
const GENERAL_NAME = { email: 0x81, dns: 0x82, uri: 0x86, ip: 0x87 } as const;

interface Tlv {
  readonly tag: number;
  /** The whole element, header included. */
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

/** One DER element at `offset` within `[offset, limit)`; throws when it does not fit. */
function readTlv(der: Buffer, offset: number, limit: number): Tlv {
  const tag = der[offset];
  let length = der[offset + 1];
  if (tag === undefined || length === undefined || (tag & 0x1f) === 0x1f)
    throw new Error('not DER');
  let contentStart = offset + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0 || octets > 4) throw new Error('not DER');
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + (der[contentStart + i] ?? NaN);
    contentStart += octets;
  }
  const end = contentStart + length;
  if (!(end <= limit)) throw new Error('DER element overruns its parent');
  return { tag, start: offset, contentStart, end };
}

/** The elements inside a constructed element. */
function children(der: Buffer, parent: Tlv): Tlv[] {
  const found: Tlv[] = [];
  for (let at = parent.contentStart; at < parent.end;) {
    const child = readTlv(der, at, parent.end);
    found.push(child);
    at = child.end;
  }
  return found;
}

function expectTag(element: Tlv | undefined, tag: number): Tlv {
  if (element?.tag !== tag) throw new Error(`expected DER tag ${tag}`);
  return element;
}

/** Dotted form of an OBJECT IDENTIFIER's content. */
function oidText(bytes: Buffer): string {
  const arcs: number[] = [];
  let value = 0;
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f);
    if (byte & 0x80) continue;
    if (arcs.length === 0)
      arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
    else arcs.push(value);
    value = 0;
  }
  return arcs.join('.');
}

/** Directory string types (RFC 5280 §4.1.2.4) and the other string types names use. */
const STRING_DECODERS: Readonly<Record<number, (bytes: Buffer) => string>> = {
  0x0c: (bytes) => bytes.toString('utf8'), // UTF8String
  0x12: (bytes) => bytes.toString('latin1'), // NumericString
  0x13: (bytes) => bytes.toString('latin1'), // PrintableString
  0x14: (bytes) => bytes.toString('latin1'), // TeletexString, as commonly (mis)used
  0x16: (bytes) => bytes.toString('latin1'), // IA5String
  0x1a: (bytes) => bytes.toString('latin1'), // VisibleString
  0x1e: (bytes) => Buffer.from(bytes).swap16().toString('utf16le'), // BMPString
};

function attributeValue(der: Buffer, element: Tlv): string {
  const decode = STRING_DECODERS[element.tag];
  const content = der.subarray(element.contentStart, element.end);
  if (decode !== undefined && (element.tag !== 0x1e || content.length % 2 === 0))
    return decode(content);
  return `#${der.subarray(element.start, element.end).toString('hex')}`;
}

function readName(der: Buffer, name: Tlv | undefined): Rdn[] {
  const rdns = children(der, expectTag(name, SEQUENCE)).map((set) =>
    children(der, expectTag(set, SET)).map((pair): AttributeValue => {
      const [type, value] = children(der, expectTag(pair, SEQUENCE));
      const oid = oidText(der.subarray(expectTag(type, OID).contentStart, type!.end));
      if (value === undefined) throw new Error('attribute without a value');
      return { type: ATTRIBUTE_NAMES[oid] ?? oid, value: attributeValue(der, value) };
    }),
  );
  return rdns.reverse();
}

function readAltNames(der: Buffer, extensions: Tlv | undefined): Omit<CertificateNames, 'subject'> {
  const names = {
    dns: [] as string[],
    uri: [] as string[],
    ip: [] as number[][],
    email: [] as string[],
  };
  if (extensions === undefined) return names;
  const [list] = children(der, extensions);
  for (const extension of children(der, expectTag(list, SEQUENCE))) {
    const [id, ...rest] = children(der, expectTag(extension, SEQUENCE));
    if (oidText(der.subarray(expectTag(id, OID).contentStart, id!.end)) !== SUBJECT_ALT_NAME)
      continue;
    const octets = expectTag(rest[0]?.tag === BOOLEAN ? rest[1] : rest[0], OCTET_STRING);
    const general = readTlv(der, octets.contentStart, octets.end);
    for (const entry of children(der, expectTag(general, SEQUENCE))) {
      const content = der.subarray(entry.contentStart, entry.end);
      if (entry.tag === GENERAL_NAME.dns) names.dns.push(content.toString('latin1'));
      else if (entry.tag === GENERAL_NAME.uri) names.uri.push(content.toString('latin1'));
      else if (entry.tag === GENERAL_NAME.email) names.email.push(content.toString('latin1'));
      else if (entry.tag === GENERAL_NAME.ip) names.ip.push([...content]);
    }
  }
  return names;
}

/**
 * The subject and subjectAltName entries of a DER certificate. Throws on DER it cannot read
 * (the HTTP layer parsed the certificate with node:crypto already, so only a reader bug would).
 */
export function certificateNames(der: Buffer): CertificateNames {
  const certificate = readTlv(der, 0, der.length);
  const [tbs] = children(der, expectTag(certificate, SEQUENCE));
  const fields = children(der, expectTag(tbs, SEQUENCE));
  const rest = fields[0]?.tag === VERSION ? fields.slice(1) : fields;
  // serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, then optional ones
  const subject = readName(der, rest[4]);
  const extensions = rest.slice(6).find((field) => field.tag === EXTENSIONS);
  return { subject, ...readAltNames(der, extensions) };
}
