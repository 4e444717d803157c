import { readFileSync } from 'node:fs';
import { isMap, isNode, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';

/** A start-up failure in a config or mapping file; `main.ts` prints it and exits. */
export class FileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FileError';
  }
}

/** A parsed YAML file that can say where any value in it came from. */
export interface YamlSource {
  readonly file: string;
  readonly text: string;
  readonly data: unknown;
  /**
   * `file:line:column` of the value at `path` (with `key`, of the map key naming it), or of its
   * nearest existing parent.
   */
  locate(path: readonly PropertyKey[], options?: { key?: boolean }): string;
}

export function readYamlFile(file: string): YamlSource {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new FileError(
      `${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  return parseYaml(file, text);
}

export function parseYaml(file: string, text: string): YamlSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const [syntaxError] = doc.errors;
  if (syntaxError !== undefined) {
    const at = syntaxError.linePos?.[0];
    // The first line of yaml's message ends with its own " at line L, column C:"; we lead with it.
    const message = syntaxError.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new FileError(`${file}${at ? `:${at.line}:${at.col}` : ''}: ${message}`);
  }
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (error) {
    // Alias problems (unresolved, or an alias bomb) only surface when the document is built.
    throw new FileError(`${file}: ${(error as Error).message}`);
  }
  return {
    file,
    text,
    data,
    locate(path, options) {
      const offset = offsetOf(doc, path, options?.key ?? false);
      if (offset === undefined) return file;
      const { line, col } = lines.linePos(offset);
      return `${file}:${line}:${col}`;
    },
  };
}

function offsetOf(doc: Document, path: readonly PropertyKey[], key: boolean): number | undefined {
  if (key && path.length > 0) {
    const parent =
      path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1) as unknown[], true);
    if (isMap(parent)) {
      const last = path[path.length - 1];
      const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === last);
      if (isNode(pair?.key) && pair.key.range) return pair.key.range[0];
    }
  }
  for (let length = path.length; length >= 0; length--) {
    const node = length === 0 ? doc.contents : doc.getIn(path.slice(0, length) as unknown[], true);
    if (isNode(node) && node.range) return node.range[0];
  }
  return undefined;
}

/**
 * Validates a parsed file with a zod schema. Every problem is reported with its file, line,
 * path inside the file and what was expected, all at once.
 */
export function parseWith<T extends z.ZodType>(schema: T, source: YamlSource): z.infer<T> {
  const result = schema.safeParse(source.data);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    // An unknown key is easiest to find at the key itself, not at the start of its map.
    const at =
      issue.code === 'unrecognized_keys'
        ? source.locate([...issue.path, issue.keys[0]!], { key: true })
        : source.locate(issue.path);
    return `${at}: ${path}: ${issue.message}`;
  });
  throw new FileError(lines.join('\n'));
}
