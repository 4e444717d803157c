import { Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { censorSecrets, createLogger, SECRET_KEYS } from '../../src/http/logger.js';

/** A logger writing its lines into an array, synchronously. */
function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger('info', destination), lines };
}

const SECRET = 'S3CRET-value-never-logged';
const secretKey = fc.constantFrom(...[...SECRET_KEYS].flatMap((key) => [key, key.toUpperCase()]));
const plainKey = fc.stringMatching(/^[a-z_]{1,12}$/).filter((key) => !SECRET_KEYS.has(key));

/** An object or array nesting a secret member `depth` levels down, among ordinary members. */
const nested = (depth: number): fc.Arbitrary<unknown> =>
  depth === 0
    ? fc.tuple(secretKey, fc.dictionary(plainKey, fc.string())).map(([key, rest]) => ({
        ...rest,
        [key]: SECRET,
      }))
    : fc.oneof(
        fc
          .tuple(plainKey, nested(depth - 1), fc.dictionary(plainKey, fc.integer()))
          .map(([key, inner, rest]) => ({ ...rest, [key]: inner })),
        fc
          .tuple(nested(depth - 1), fc.array(fc.string(), { maxLength: 3 }))
          .map(([inner, rest]) => [...rest, inner]),
        nested(depth - 1).map((inner) =>
          Object.assign(new Error('failed', { cause: inner }), { detail: inner }),
        ),
      );

describe('log lines never carry a secret member', () => {
  it('at any depth, in objects, arrays and errors (and their causes)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 6 }).chain(nested), plainKey, (object, key) => {
        const { logger, lines } = capture();
        logger.info({ [key]: object }, 'line');
        logger.error(object as object, 'line');
        expect(lines).toHaveLength(2);
        for (const line of lines) {
          expect(line).not.toContain(SECRET);
          expect(line).toContain('[redacted]');
        }
      }),
    );
  });

  it('leaves a line without secrets as the same object, and its values as written', () => {
    const line = { method: 'GET', url: '/jwks', statusCode: 200, nested: { a: [1, 'b'] } };
    expect(censorSecrets(line)).toBe(line);
    const { logger, lines } = capture();
    logger.info(line, 'request completed');
    expect(JSON.parse(lines[0]!)).toMatchObject({ ...line, msg: 'request completed' });
  });

  it('writes an error with its type, message, stack and members', () => {
    const { logger, lines } = capture();
    logger.error({ err: Object.assign(new TypeError('boom'), { code: 'E1', token: SECRET }) });
    const written = JSON.parse(lines[0]!) as { err: Record<string, unknown> };
    expect(written.err).toMatchObject({ type: 'TypeError', message: 'boom', code: 'E1' });
    expect(written.err.token).toBe('[redacted]');
    expect(written.err.stack).toContain('TypeError: boom');
  });
});
