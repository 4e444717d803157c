import { readFileSync } from 'node:fs';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
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
  /** `file:line:column` of the value at `path`, or of its nearest existing parent. */
  locate(path: readonly PropertyKey[]): string;
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
    throw new FileError(
      `${file}${at ? `:${at.line}:${at.col}` : ''}: ${syntaxError.message.split('\n')[0]}`,
    );
  }
  return {
    file,
    text,
    data: doc.toJS(),
    locate(path) {
      const offset = offsetOf(doc, path);
      if (offset === undefined) return file;
      const { line, col } = lines.linePos(offset);
      return `${file}:${line}:${col}`;
    },
  };
}

function offsetOf(doc: Document, path: readonly PropertyKey[]): number | undefined {
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
    return `${source.locate(issue.path)}: ${path}: ${issue.message}`;
  });
  throw new FileError(lines.join('\n'));
}
