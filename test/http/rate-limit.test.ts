import { Writable } from 'node:stream';
import { expect, it } from 'vitest';
import { createLogger, limitStoreErrors } from '../../src/http/index.js';

it('counts every store failure and warns at most once a minute, with what it let through', () => {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger(
    'debug',
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        done();
      },
    }),
  );
  const counted: string[] = [];
  let now = 1_000_000;
  const report = limitStoreErrors(
    logger,
    (route, kind) => counted.push(`${route}:${kind}`),
    () => now,
  );
  const failure = new Error('Connection is closed.');
  for (const seconds of [0, 1, 30, 59.999]) {
    now = 1_000_000 + seconds * 1000;
    report('apps', 'register', failure);
  }
  now = 1_000_000 + 60_000;
  report('apps', 'quota', failure);
  expect(counted).toStrictEqual([
    'apps:register',
    'apps:register',
    'apps:register',
    'apps:register',
    'apps:quota',
  ]);
  expect(
    lines.map(({ level, route, limit, requests, reason, msg }) => ({
      level,
      route,
      limit,
      requests,
      reason,
      msg,
    })),
  ).toStrictEqual([
    {
      level: 40,
      route: 'apps',
      limit: 'register',
      requests: 1,
      reason: 'Connection is closed.',
      msg: 'rate limit store unreachable; requests let through unlimited',
    },
    {
      level: 40,
      route: 'apps',
      limit: 'quota',
      requests: 4,
      reason: 'Connection is closed.',
      msg: 'rate limit store unreachable; requests let through unlimited',
    },
  ]);
});
