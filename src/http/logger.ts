import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Member names whose values never reach a log line, at any depth (compared lower case).
 * Nothing logs request bodies or vendor bodies in the first place; this is the second line of
 * defence.
 */
export const SECRET_KEYS: ReadonlySet<string> = new Set([
  'authorization',
  'cookie',
  'set-cookie',
  'client_secret',
  'registration_access_token',
  'access_token',
  'refresh_token',
  'id_token',
  'token',
  'password',
  'secret',
]);

const CENSOR = '[redacted]';

/** Deeper than any line the gateway writes; below it a value is censored whole. */
const MAX_DEPTH = 8;

/**
 * A log line's object with every secret member censored, wherever it sits. Runs once per line
 * written (pino's `formatters.log`), never per request: pino's wildcard redaction ran on every
 * child logger's bindings too, and fastify makes a child per request (README, Performance). A
 * line without secrets comes back as the same object; errors become plain objects (type,
 * message, stack, their own members and cause) so that what they carry is censored as well;
 * other class instances (a URL, a Buffer) are left to their serializers.
 */
export function censorSecrets<T>(value: T, depth = 0): T {
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return CENSOR as T;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let index = 0; index < value.length; index++) {
      const item: unknown = value[index];
      const censored = censorSecrets(item, depth + 1);
      if (censored !== item) (copy ??= [...value])[index] = censored;
    }
    return (copy ?? value) as T;
  }
  if (!(value instanceof Error) && !isPlainObject(value)) return value; // its serializer's to write
  const source: Record<string, unknown> =
    value instanceof Error ? errorObject(value) : (value as Record<string, unknown>);
  let copy: Record<string, unknown> | undefined = source === value ? undefined : source;
  for (const key in source) {
    if (!Object.hasOwn(source, key)) continue;
    const member = source[key];
    const censored = SECRET_KEYS.has(key.toLowerCase()) ? CENSOR : censorSecrets(member, depth + 1);
    if (censored !== member) (copy ??= { ...source })[key] = censored;
  }
  return (copy ?? value) as T;
}

const isPlainObject = (value: object): boolean => {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};

/** An error as pino's serializer would write it, as a plain object the censor can walk. */
function errorObject(error: Error): Record<string, unknown> {
  const object: Record<string, unknown> = {
    type: error.constructor.name,
    message: error.message,
    stack: error.stack,
  };
  for (const key of Object.keys(error))
    object[key] = (error as unknown as Record<string, unknown>)[key];
  if (error.cause !== undefined) object.cause = error.cause;
  return object;
}

/**
 * The gateway's logger. Without a destination it writes to stdout asynchronously: a
 * synchronous write per line was the largest single cost of a registration under load (see
 * README, Performance); pino flushes what is pending when the process exits.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    formatters: { log: censorSecrets },
    // Errors are plain objects by now (censorSecrets): pino's serializer would rename their type.
    serializers: { err: (error: unknown) => error },
  };
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
}
