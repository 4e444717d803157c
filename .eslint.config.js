// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Rooms (shared/STYLE.md "Layout"): the first-level folders of src/ and the rooms each may import
// with a value import. Type-only imports (`import type`, or `import { type A }` where every name is
// a type) are always allowed; a room may always import itself; the root files (src/app.ts,
// src/main.ts) are no room and may import anything. Every pair not listed here is forbidden, so a
// new room must be added as a key (and to the lists that may import it) before it is checked.
const MAY_IMPORT = {
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
for (const [room, allowed] of Object.entries(MAY_IMPORT)) {
  for (const other of allowed) {
    if (!ROOMS.includes(other))
      throw new Error(`.eslint.config.js rooms: ${room} lists unknown room ${other}`);
  }
}

// The rule matches the import specifier as written (gitignore-style globs, no path resolution), so
// how many `../` reach src/ depends on how deep the importing file sits inside its room. One block
// per room and nesting depth gives each file the exact prefix: src/<room>/x.ts -> '../mapping',
// src/<room>/a/x.ts -> '../../mapping', ... Files nested deeper than NESTING folders fail closed:
// there any import climbing NESTING + 2 or more levels (so perhaps out of the room) is reported.
const NESTING = 6;
const RULE = '@typescript-eslint/no-restricted-imports';
const STYLE = '(rooms: shared/STYLE.md)';

// A specifier with a './' or '../' segment after its start ('./../mapping/x.js', '../a/../b.js')
// would slip past the prefixes above, so value imports must be written normalized.
const NORMALIZED = {
  regex: String.raw`^\.(?!(?:\.(?:/\.\.)*)?(?:/(?!\.\.?(?:/|$))[^/]+)*/?$)`,
  allowTypeImports: true,
  message: `write the relative path normalized (no inner './' or '../') so the rooms check can read it ${STYLE}`,
};

const forbiddenFor = (room) =>
  ROOMS.filter((other) => other !== room && !MAY_IMPORT[room].includes(other));

const roomBlocks = (room) => {
  const blocks = [];
  for (let depth = 0; depth <= NESTING; depth++) {
    const up = '../'.repeat(depth + 1);
    blocks.push({
      name: `rooms/${room}/depth-${depth}`,
      files: [`src/${room}/${'*/'.repeat(depth)}*.ts`],
      rules: {
        [RULE]: [
          'error',
          {
            patterns: [
              ...forbiddenFor(room).map((other) => ({
                group: [`${up}${other}`, `${up}${other}/**`],
                allowTypeImports: true,
                message: `${room}/ must not import ${other}/ ${STYLE}`,
              })),
              NORMALIZED,
            ],
          },
        ],
      },
    });
  }
  blocks.push({
    name: `rooms/${room}/deeper`,
    files: [`src/${room}/${'*/'.repeat(NESTING + 1)}**/*.ts`],
    rules: {
      [RULE]: [
        'error',
        {
          patterns: [
            {
              group: [`${'../'.repeat(NESTING + 2)}**`],
              allowTypeImports: true,
              message: `${room}/ is nested deeper than ${NESTING} folders, past what the rooms check reads; flatten it ${STYLE}`,
            },
            NORMALIZED,
          ],
        },
      ],
    },
  });
  return blocks;
};

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  { files: ['test/**'], rules: { 'no-console': 'off' } },
  ...ROOMS.flatMap(roomBlocks),
);
