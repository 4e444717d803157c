import { readdirSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { ESLint, type Linter } from 'eslint';
import { describe, expect, it } from 'vitest';

// The rooms of shared/STYLE.md "Layout", written down here independently of .eslint.config.js:
// each room and the rooms it may import with a value import (type-only imports always pass).
const MAY_IMPORT: Record<string, string[]> = {
  auth: ['errors', 'lib'],
  backends: ['errors', 'lib'],
  cache: ['errors', 'lib'],
  config: ['errors', 'lib'],
  dcr: ['errors', 'lib'],
  errors: ['lib'],
  http: ['errors', 'lib', 'pipeline'],
  lib: [],
  mapping: ['errors', 'lib'],
  // every stage it orders, but not http/ (which calls it) nor sandbox/ (which only app.ts starts)
  pipeline: ['auth', 'backends', 'cache', 'config', 'dcr', 'errors', 'lib', 'mapping'],
  sandbox: ['config', 'errors', 'lib'],
};
const ROOMS = Object.keys(MAY_IMPORT);

const RULE = '@typescript-eslint/no-restricted-imports';
const repoRoot = resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ overrideConfigFile: '.eslint.config.js', cwd: repoRoot });

const roomMessage = (specifier: string, from: string, to: string) =>
  `'${specifier}' import is restricted from being used by a pattern. ${from}/ must not import ${to}/ (rooms: shared/STYLE.md)`;

/** Every message ESLint reports for `code` as if it were the file at `filePath` (all rules). */
async function lint(filePath: string, code: string): Promise<Array<[string | null, string]>> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m: Linter.LintMessage) => [m.ruleId, m.message]);
}

/** A value import that is used, so no other rule has anything to say about it. */
const valueImport = (specifier: string) =>
  `import { x } from '${specifier}';\nexport const y = x;\n`;

describe('rooms table', () => {
  it('names exactly the first-level folders of src/ (a new room must be added to both tables)', () => {
    const folders = readdirSync(resolve(repoRoot, 'src'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    expect(folders).toEqual([...ROOMS].sort());
  });
});

describe('value imports between rooms follow the table', () => {
  // Every ordered pair of rooms, from a file directly in the room and from one a folder deeper.
  const cases = ROOMS.flatMap((from) =>
    ROOMS.filter((to) => to !== from).flatMap((to) => [
      { from, to, file: `src/${from}/example.ts`, specifier: `../${to}/index.js` },
      { from, to, file: `src/${from}/nested/example.ts`, specifier: `../../${to}/index.js` },
    ]),
  );
  const allowed = cases.filter(({ from, to }) => MAY_IMPORT[from]!.includes(to));
  const forbidden = cases.filter(({ from, to }) => !MAY_IMPORT[from]!.includes(to));

  it.each(forbidden)('$file: $specifier is reported', async ({ from, to, file, specifier }) => {
    expect(await lint(file, valueImport(specifier))).toEqual([
      [RULE, roomMessage(specifier, from, to)],
    ]);
  });

  it.each(allowed)('$file: $specifier is allowed', async ({ file, specifier }) => {
    expect(await lint(file, valueImport(specifier))).toEqual([]);
  });

  it.each(forbidden)(
    '$file: import type from $specifier is allowed',
    async ({ file, specifier }) => {
      const code = `import type { X } from '${specifier}';\nexport type Y = X;\n`;
      expect(await lint(file, code)).toEqual([]);
    },
  );

  it.each(forbidden)(
    '$file: import { type A, type B } from $specifier is allowed',
    async ({ file, specifier }) => {
      const code = `import { type A, type B } from '${specifier}';\nexport type Y = A | B;\n`;
      expect(await lint(file, code)).toEqual([]);
    },
  );
});

describe('named cases', () => {
  // [file, specifier, from room, to room, code (default: a used value import of specifier)]
  const forbidden: Array<
    [file: string, specifier: string, from: string, to: string, code?: string]
  > = [
    ['src/config/example.ts', '../mapping/index.js', 'config', 'mapping'],
    ['src/config/example.ts', '../mapping/compile.js', 'config', 'mapping'],
    ['src/config/example.ts', '../mapping/sub/x.js', 'config', 'mapping'],
    ['src/config/example.ts', '../mapping', 'config', 'mapping'],
    ['src/http/example.ts', '../mapping/index.js', 'http', 'mapping'],
    ['src/mapping/example.ts', '../backends/index.js', 'mapping', 'backends'],
    ['src/mapping/example.ts', '../config/load.js', 'mapping', 'config'],
    ['src/lib/example.ts', '../errors/index.js', 'lib', 'errors'],
    ['src/errors/example.ts', '../dcr/index.js', 'errors', 'dcr'],
    ['src/sandbox/nevis/x.ts', '../../mapping/index.js', 'sandbox', 'mapping'],
    ['src/sandbox/a/b/c/d/e/f/x.ts', '../../../../../../../mapping/index.js', 'sandbox', 'mapping'],
    // A mixed import is a value import.
    [
      'src/config/example.ts',
      '../mapping/index.js',
      'config',
      'mapping',
      `import { type A, x } from '../mapping/index.js';\nexport const y: A = x;\n`,
    ],
    // Side-effect imports and re-exports count too.
    [
      'src/config/example.ts',
      '../mapping/index.js',
      'config',
      'mapping',
      `import '../mapping/index.js';\n`,
    ],
    [
      'src/config/example.ts',
      '../mapping/index.js',
      'config',
      'mapping',
      `export { x } from '../mapping/index.js';\n`,
    ],
    [
      'src/config/example.ts',
      '../mapping/index.js',
      'config',
      'mapping',
      `export * from '../mapping/index.js';\n`,
    ],
  ];
  it.each(forbidden)('%s: %s is reported', async (file, specifier, from, to, code) => {
    expect(await lint(file, code ?? valueImport(specifier))).toEqual([
      [RULE, roomMessage(specifier, from, to)],
    ]);
  });

  const allowed: Array<[file: string, code: string]> = [
    [
      'src/config/example.ts',
      `import type { Metadata } from '../mapping/index.js';\nexport type M = Metadata;\n`,
    ],
    [
      'src/config/example.ts',
      `import { type Metadata } from '../mapping/index.js';\nexport type M = Metadata;\n`,
    ],
    [
      'src/mapping/example.ts',
      `import type { Metadata } from '../dcr/index.js';\nexport type M = Metadata;\n`,
    ],
    ['src/config/example.ts', `export type { Metadata } from '../mapping/index.js';\n`],
    ['src/config/example.ts', `export type * from '../mapping/index.js';\n`],
    ['src/pipeline/example.ts', valueImport('../mapping/index.js')],
    ['src/http/example.ts', valueImport('../pipeline/index.js')],
    ['src/sandbox/example.ts', valueImport('../config/load.js')],
    ['src/sandbox/nevis/x.ts', valueImport('../../config/load.js')],
    ['src/errors/example.ts', valueImport('../lib/yaml-source.js')],
    ['src/dcr/example.ts', valueImport('../errors/index.js')],
    ['src/dcr/example.ts', valueImport('../lib/yaml-source.js')],
    // Inside one room, whatever the folders are called.
    ['src/mapping/example.ts', valueImport('./compile.js')],
    ['src/sandbox/nevis/x.ts', valueImport('../mapping/x.js')], // src/sandbox/mapping/x.js
    ['src/sandbox/nevis/x.ts', valueImport('./config/x.js')],
    // The root files may import anything; like shared/hooks/rooms.mjs, rooms may import them.
    ['src/app.ts', valueImport('./mapping/index.js')],
    ['src/main.ts', valueImport('./sandbox/default-config.js')],
    ['src/config/example.ts', valueImport('../app.js')],
    // Packages are no room.
    ['src/config/example.ts', valueImport('yaml')],
  ];
  it.each(allowed)('%s: %j is allowed', async (file, code) => {
    expect(await lint(file, code)).toEqual([]);
  });

  it('reports a relative path with inner ./ or ../ segments, which would dodge the room check', async () => {
    const normalized =
      "write the relative path normalized (no inner './' or '../') so the rooms check can read it (rooms: shared/STYLE.md)";
    for (const specifier of [
      './../mapping/index.js',
      '../errors/../mapping/index.js',
      '././x.js',
    ]) {
      expect(await lint('src/config/example.ts', valueImport(specifier))).toEqual([
        [RULE, `'${specifier}' import is restricted from being used by a pattern. ${normalized}`],
      ]);
    }
  });

  it('fails closed below the nesting it checks exactly', async () => {
    const file = 'src/sandbox/a/b/c/d/e/f/g/x.ts'; // 7 folders inside sandbox/
    expect(await lint(file, valueImport('../../../../../../../y.js'))).toEqual([]);
    expect(await lint(file, valueImport('../../../../../../../../mapping/index.js'))).toEqual([
      [
        RULE,
        "'../../../../../../../../mapping/index.js' import is restricted from being used by a pattern. sandbox/ is nested deeper than 6 folders, past what the rooms check reads; flatten it (rooms: shared/STYLE.md)",
      ],
    ]);
  });
});

// Passes once the remaining cross-room imports in src/ are gone (the lead is removing them).
describe('REAL TREE', () => {
  it('src/ has no forbidden room import', async () => {
    const results = await eslint.lintFiles(['src']);
    const found = results.flatMap((result) =>
      result.messages
        .filter((m) => m.ruleId === RULE)
        .map((m) => `${relative(repoRoot, result.filePath)}:${m.line} ${m.message}`),
    );
    expect(found).toEqual([]);
  });
});
