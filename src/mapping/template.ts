/** Values a template may name while one operation runs. */
export interface TemplateScope {
  readonly params: Readonly<Record<string, string>>;
  readonly vars: Readonly<Record<string, unknown>>;
}

export interface Reference {
  readonly namespace: 'param' | 'var';
  readonly name: string;
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
  /** True when the template is exactly one reference (e.g. `{var.registration_client_uri}`). */
  readonly whole: boolean;
  /** `encodeVars` escapes values from vendors (ids in paths); operator params are trusted as written. */
  render(scope: TemplateScope, encodeVars?: (value: string) => string): string;
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

export function compileTemplate(source: string): Template {
  const parts: (string | Reference)[] = [];
  let last = 0;
  for (const match of source.matchAll(PLACEHOLDER)) {
    const ref = REFERENCE.exec(match[1] ?? '');
    if (ref === null) throw new TemplateError(`"${match[0]}" is not {param.NAME} or {var.NAME}`);
    parts.push(source.slice(last, match.index), {
      namespace: ref[1] as Reference['namespace'],
      name: ref[2]!,
    });
    last = match.index + match[0].length;
  }
  parts.push(source.slice(last));
  const literals = parts.filter((part): part is string => typeof part === 'string');
  if (literals.some((literal) => literal.includes('{') || literal.includes('}'))) {
    throw new TemplateError(`unbalanced braces in "${source}"`);
  }
  const pieces = parts.filter((part) => part !== '');
  const references = pieces.filter((part): part is Reference => typeof part !== 'string');
  return {
    source,
    references,
    whole: pieces.length === 1 && references.length === 1,
    render(scope, encodeVars = (value) => value) {
      let out = '';
      for (const piece of pieces) {
        if (typeof piece === 'string') out += piece;
        else
          out +=
            piece.namespace === 'var' ? encodeVars(lookup(scope, piece)) : lookup(scope, piece);
      }
      return out;
    },
  };
}

function lookup(scope: TemplateScope, ref: Reference): string {
  const value = ref.namespace === 'param' ? scope.params[ref.name] : scope.vars[ref.name];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new TemplateError(`{${ref.namespace}.${ref.name}} has no value`);
}
