import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** One HTTP/1.1 response read off a raw socket, with when it came and whether the server closed. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  /** Milliseconds from the first byte sent to the end of the response. */
  readonly elapsedMs: number;
}

/** A socket to `url`'s host and port, connected. */
export function openSocket(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => resolve(socket));
    socket.once('error', reject);
  });
}

/**
 * Sends `parts` with `gapMs` between them (a client dribbling its request) and reads the one
 * response, or undefined when the server closes without one.
 */
export async function dribble(
  url: string,
  parts: readonly string[],
  gapMs: number,
): Promise<RawResponse | undefined> {
  const socket = await openSocket(url);
  const started = performance.now();
  let answered = false;
  const response = readResponse(socket, started).finally(() => (answered = true));
  socket.on('error', () => undefined);
  for (const [index, part] of parts.entries()) {
    if (index > 0) await Promise.race([sleep(gapMs), response]);
    if (answered) break;
    socket.write(part);
  }
  const answer = await response;
  socket.destroy();
  return answer;
}

/** Sends `request` as written (header lines no client library would write) and reads the answer. */
export const sendRaw = (url: string, request: string): Promise<RawResponse | undefined> =>
  dribble(url, [request], 0);

/** The first response on `socket`, parsed once complete; undefined when it closes first. */
export function readResponse(socket: Socket, started: number): Promise<RawResponse | undefined> {
  return new Promise((resolve) => {
    let buffer = Buffer.alloc(0);
    const done = (answer: RawResponse | undefined) => {
      socket.removeAllListeners('data');
      resolve(answer);
    };
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const parsed = parse(buffer, started);
      if (parsed !== undefined) done(parsed);
    });
    socket.once('close', () => done(parse(buffer, started)));
  });
}

function parse(buffer: Buffer, started: number): RawResponse | undefined {
  const end = buffer.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const [statusLine, ...lines] = buffer.subarray(0, end).toString('latin1').split('\r\n');
  const headers = Object.fromEntries(
    lines.map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
    }),
  );
  const length = Number(headers['content-length'] ?? 0);
  const body = buffer.subarray(end + 4);
  if (body.length < length) return undefined;
  const text = body.subarray(0, length).toString('utf8');
  return {
    status: Number(statusLine!.split(' ')[1]),
    headers,
    body: text === '' ? undefined : JSON.parse(text),
    elapsedMs: performance.now() - started,
  };
}
