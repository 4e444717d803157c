import { randomBytes } from './crypto.js';

/** The W3C Trace Context (traceparent) a request belongs to. */
export interface Trace {
  /** 32 lower-case hex digits, never all zeros. */
  readonly traceId: string;
  /** 2 hex digits (bit 0: sampled). */
  readonly flags: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * The trace of a `traceparent` header (W3C Trace Context §3.2): version 00 exactly, or a later
 * version read for its first four fields; `ff`, all-zero ids or anything malformed is ignored
 * and a new trace starts, unsampled, as the specification asks of a server that restarts it.
 */
export function traceOf(header: string | undefined): Trace {
  const match = header === undefined ? null : TRACEPARENT.exec(header.trim());
  if (match !== null) {
    const [, version, traceId, parentId, flags] = match;
    if (version !== 'ff' && !/^0+$/.test(traceId!) && !/^0+$/.test(parentId!))
      return { traceId: traceId!, flags: flags! };
  }
  return { traceId: randomBytes(16).toString('hex'), flags: '00' };
}

/** The `traceparent` of a call the gateway makes within `trace`: the gateway's own span. */
export const outgoingTraceparent = (trace: Trace): string =>
  `00-${trace.traceId}-${randomBytes(8).toString('hex')}-${trace.flags}`;
