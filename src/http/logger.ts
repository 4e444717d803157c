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

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, redact: { paths: [...REDACT_PATHS], censor: '[redacted]' } };
  return destination === undefined ? pino(options) : pino(options, destination);
}
