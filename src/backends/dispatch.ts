import type { Dispatcher } from 'undici';
import type { VendorResponse } from '../mapping/index.js';
import type { DeadlineSignal } from './deadline.js';

/** One HTTP request to a vendor, rendered: what `exchangeJson` sends. */
export interface JsonExchange {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
}

/**
 * One request on `dispatcher` and its whole answer: the status and the body parsed as JSON
 * (undefined when empty or not JSON), ended by `signal` with its reason. `onStatus` hears the
 * status as soon as it arrives, so an answer whose body then fails still has one.
 *
 * A handler of our own instead of undici's `request()`: that one wraps every answer in a
 * readable stream and an async resource, which cost about 5-8 µs of CPU per vendor call under
 * load and ~20 µs on a lone connection (README, Performance). The size cap stays undici's
 * (`maxResponseSize`, enforced by its parser), as does every connection error.
 */
export function exchangeJson(
  dispatcher: Dispatcher,
  exchange: JsonExchange,
  signal: DeadlineSignal,
  onStatus: (status: number) => void,
): Promise<VendorResponse> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    let controller: Dispatcher.DispatchController | undefined;
    let status = 0;
    const chunks: Buffer[] = [];
    const onAbort = () => {
      if (controller === undefined) reject(signal.reason);
      else controller.abort(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const unlisten = () => signal.removeEventListener('abort', onAbort);
    dispatcher.dispatch(
      {
        method: exchange.method as Dispatcher.HttpMethod,
        path: exchange.path,
        headers: exchange.headers,
        ...(exchange.body === undefined ? {} : { body: exchange.body }),
      },
      {
        onRequestStart(started) {
          controller = started;
          if (signal.aborted) started.abort(signal.reason as Error);
        },
        // Called for the final answer only: undici's parser passes over interim 1xx ones.
        onResponseStart(_controller, statusCode) {
          status = statusCode;
          onStatus(statusCode);
        },
        onResponseData(_controller, chunk) {
          chunks.push(chunk);
        },
        onResponseEnd() {
          unlisten();
          resolve({ status, body: parseJson(chunks) });
        },
        onResponseError(_controller, error) {
          unlisten();
          reject(error);
        },
      },
    );
  });
}

/** Like undici's `body.text()`: UTF-8, a leading byte order mark dropped. */
function parseJson(chunks: readonly Buffer[]): unknown {
  let text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
