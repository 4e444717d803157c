import { BOUND, TRANSLATABLE, type BoundKind } from './contract.js';

/** A request as the 4.0.x converter leaves it: bound properties and kept translations. */
export interface ParsedRequest {
  readonly bound: Readonly<Record<string, string | boolean | number | readonly string[]>>;
  /** `client_name`, `client_name#fr`, ... in request order. */
  readonly translations: readonly (readonly [key: string, value: string])[];
}

/**
 * What the converter throws on a value it cannot place (§3): the host answers an unhandled 500.
 * `detail` is for tests; it never reaches the wire.
 */
export class ParserCrash extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = 'ParserCrash';
  }
}

const FITS: Readonly<Record<BoundKind, (value: unknown) => boolean>> = {
  string: (value) => typeof value === 'string',
  boolean: (value) => typeof value === 'boolean',
  number: (value) => typeof value === 'number' && Number.isFinite(value),
  string_list: (value) => Array.isArray(value) && value.every((item) => typeof item === 'string'),
};

/**
 * §3, the custom JSON converter: a bound key takes its own JSON type only; any other string key
 * is a translation, kept for the five translatable names (with or without `#lang`) and silently
 * dropped otherwise (`software_id`, `client_id`, `tls_client_auth_*`); anything else (other
 * arrays such as `contacts`, objects such as `jwks`, unknown booleans and numbers, mistyped
 * bound values) crashes the parser.
 */
export function parseRequest(body: Readonly<Record<string, unknown>>): ParsedRequest {
  const bound: Record<string, string | boolean | number | readonly string[]> = {};
  const translations: [string, string][] = [];
  for (const [key, value] of Object.entries(body)) {
    const kind = Object.hasOwn(BOUND, key) ? BOUND[key] : undefined;
    if (kind !== undefined) {
      if (!FITS[kind](value))
        throw new ParserCrash(`${key}: a ${kind} property got ${typeOf(value)}`);
      bound[key] = value as string | boolean | number | readonly string[];
    } else if (typeof value === 'string') {
      if (TRANSLATABLE.has(key.split('#')[0]!)) translations.push([key, value]);
    } else {
      throw new ParserCrash(`${key}: ${typeOf(value)} cannot be placed`);
    }
  }
  return { bound, translations };
}

const typeOf = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
