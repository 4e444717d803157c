import { readFileSync } from 'node:fs';

/** The package's version, from the package.json beside `src/` and `dist/` (and in the image). */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;
