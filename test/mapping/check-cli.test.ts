import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { BUNDLED_MAPPINGS } from '../../src/config/load.js';
import { MAIN } from '../support/process.js';

/** `dcr-gateway check-mappings`: the offline check operators run before deploying a mapping. */
const run = (args: string[]) =>
  promisify(execFile)(process.execPath, [MAIN, ...args]).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
  );

it.each([
  ['no folder argument', []],
  ['the bundled folder named', [BUNDLED_MAPPINGS]],
])('passes the bundled mappings with %s, running their examples', async (_name, dir) => {
  expect(await run(['check-mappings', ...dir])).toStrictEqual({
    code: 0,
    stdout:
      'ok   forgerock-am.yaml (11 examples)\nok   ibm-verify.yaml (15 examples)\n' +
      'ok   lemonldap-ng.yaml (7 examples)\nok   nevis.yaml (12 examples)\n' +
      'ok   rfc7591.yaml (3 examples)\n' +
      'ok   simpleidserver.yaml (11 examples)\n',
  });
});

it('fails a folder holding broken mappings and an example that no longer holds', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dcrgw-mappings-'));
  const standard = readFileSync(join(BUNDLED_MAPPINGS, 'rfc7591.yaml'), 'utf8');
  writeFileSync(join(dir, 'a-broken.yaml'), standard.replace('expect: [201]', 'expect: created'));
  writeFileSync(
    join(dir, 'b-drifted.yaml'),
    standard.replace(
      'client_secret: s1\n      client_id_issued_at',
      'client_secret: s2\n      client_id_issued_at',
    ),
  );
  writeFileSync(
    join(dir, 'c-template.yaml'),
    standard.replace("path: '{param.registration_path}'", "path: '/{foo}'"),
  );
  const lineOf = (needle: string) =>
    standard.split('\n').findIndex((text) => text.includes(needle)) + 1;
  const { code, stdout } = await run(['check-mappings', dir]);
  expect(code).toBe(1);
  const lines = stdout.trimEnd().split('\n');
  expect(lines[0]).toBe(
    `FAIL ${join(dir, 'a-broken.yaml')}:${lineOf('expect: [201]')}:17: operations.create.calls.0.expect: Invalid input: expected array, received string`,
  );
  expect(lines[1]).toMatch(
    /^FAIL b-drifted\.yaml: create sends the registered metadata and keeps the vendor's management handles: result \{.*"client_secret":"s1".*\}, expected \{.*"client_secret":"s2".*\}$/,
  );
  expect(lines[2]).toBe(
    `FAIL ${join(dir, 'c-template.yaml')}:${lineOf("path: '{param")}:15: operations.create.calls.0.path: "{foo}" is not {param.NAME} or {var.NAME}`,
  );
  expect(lines).toHaveLength(3);
});
