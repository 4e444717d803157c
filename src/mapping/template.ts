/** Values a template may name while one operation runs. */
export interface TemplateScope {
  readonly params: Readonly<Record<string, string>>;
  readonly vars: Readonly<Record<string, unknown>>;
}

export interface Reference {
  readonly namespace: 'param' | 'var';
  readonly name: string;
  /** A fallback follows it (`{var.a|param.b}`): rendering does not need this one to exist. */
  readonly optional?: boolean;
}

/** Where something was written, as a path inside the mapping file (relative while compiling). */
export type FilePath = readonly (string | number)[];

/** A reference and the place of the template that makes it, so the loader can point at it. */
export interface PlacedReference extends Reference {
  readonly at: FilePath;
}

/** A template compiled once at load: literal parts and references, rendered per request. */
export interface Template {
  readonly source: string;
  readonly references: readonly Reference[];
  /** True when the template is exactly one placeholder (e.g. `{var.registration_client_uri}`). */
  readonly whole: boolean;
  /** `encodeVars` escapes values from vendors (ids in paths); operator params are trusted as written. */
  render(scope: TemplateScope, encodeVars?: (value: string) => string): string;
  /**
   * The value itself when the template is one placeholder (a number, a list, an object a var
   * holds keeps its type); the rendered string otherwise.
   */
  value(scope: TemplateScope): unknown;
}

const PLACEHOLDER = /\{([^{}]*)\}/g;
const REFERENCE = /^(param|var)\.([A-Za-z_][A-Za-z0-9_]*)$/;

/**
 * Thrown at load for a malformed template, at run time for a value that is missing. At load,
 * `at` is where the template was written (each compile step prefixes its own part).
 */
export class TemplateError extends Error {
  constructor(
    message: string,
    readonly at: FilePath = [],
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** Runs `compile`, prefixing `at` to the place of any template it refuses. */
export function within<T>(at: FilePath, compile: () => T): T {
  try {
    return compile();
  } catch (error) {
    if (error instanceof TemplateError)
      throw new TemplateError(error.message, [...at, ...error.at]);
    throw error;
  }
}

/** Compiles the template written at `at` and lists its references as made there. */
export function compileTemplateAt(
  at: FilePath,
  source: string,
): { template: Template; references: PlacedReference[] } {
  const template = within(at, () => compileTemplate(source));
  return { template, references: template.references.map((ref) => ({ ...ref, at })) };
}

/** One placeholder: references tried in order, the first with a value wins. */
type Placeholder = readonly Reference[];

export function compileTemplate(source: string): Template {
  const parts: (string | Placeholder)[] = [];
  let last = 0;
  for (const match of source.matchAll(PLACEHOLDER)) {
    const alternatives = (match[1] ?? '').split('|');
    parts.push(
      source.slice(last, match.index),
      alternatives.map((text, index) => {
        const ref = REFERENCE.exec(text);
        if (ref === null)
          throw new TemplateError(`"${match[0]}" is not {param.NAME} or {var.NAME}`);
        const reference = { namespace: ref[1] as Reference['namespace'], name: ref[2]! };
        return index < alternatives.length - 1 ? { ...reference, optional: true } : reference;
      }),
    );
    last = match.index + match[0].length;
  }
  parts.push(source.slice(last));
  const literals = parts.filter((part): part is string => typeof part === 'string');
  if (literals.some((literal) => literal.includes('{') || literal.includes('}'))) {
    throw new TemplateError(`unbalanced braces in "${source}"`);
  }
  const pieces = parts.filter((part) => part !== '');
  const placeholders = pieces.filter((part): part is Placeholder => typeof part !== 'string');
  return {
    source,
    references: placeholders.flat(),
    whole: pieces.length === 1 && placeholders.length === 1,
    value(scope) {
      const [only] = placeholders;
      if (pieces.length !== 1 || only === undefined) return this.render(scope);
      for (const ref of only) {
        const value = ref.namespace === 'param' ? scope.params[ref.name] : scope.vars[ref.name];
        if (value !== undefined && value !== null && typeof value !== 'function') return value;
      }
      return this.render(scope);
    },
    render(scope, encodeVars = (value) => value) {
      let out = '';
      for (const piece of pieces) {
        if (typeof piece === 'string') out += piece;
        else {
          const [ref, value] = lookup(scope, piece);
          out += ref.namespace === 'var' ? encodeVars(value) : value;
        }
      }
      return out;
    },
  };
}

function lookup(scope: TemplateScope, alternatives: Placeholder): [Reference, string] {
  for (const ref of alternatives) {
    const value = ref.namespace === 'param' ? scope.params[ref.name] : scope.vars[ref.name];
    if (typeof value === 'string') return [ref, value];
    if (typeof value === 'number' || typeof value === 'boolean') return [ref, String(value)];
  }
  const text = alternatives.map((ref) => `${ref.namespace}.${ref.name}`).join('|');
  throw new TemplateError(`{${text}} has no value`);
}
