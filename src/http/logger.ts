import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Paths pino censors wherever they appear in a log line. Nothing logs request bodies or vendor
 * bodies in the first place; these paths are the second line of defence.
 */
export const REDACT_PATHS = Object.freeze([
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'authorization',
  'client_secret',
  'registration_access_token',
  'access_token',
  'token',
  'password',
  '*.client_secret',
  '*.registration_access_token',
  '*.access_token',
  '*.token',
  '*.password',
  '*.authorization',
]);

/**
 * The gateway's logger. Without a destination it writes to stdout asynchronously: a
 * synchronous write per line was the largest single cost of a registration under load (see
 * README, Performance); pino flushes what is pending when the process exits.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, redact: { paths: [...REDACT_PATHS], censor: '[redacted]' } };
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
}
