/**
 * The stages of a request the bench reports CPU for, and which code belongs to each. A sample
 * of a `.cpuprofile` belongs to the stage of the innermost frame on its stack that any rule
 * names, so a library's time counts where the gateway called it (AES-GCM under the RAT code
 * is "RAT issue/open", a socket write under undici is "vendor call"). Frames no rule names
 * (Node's HTTP server, event loop) fall to their own lines at the bottom.
 */
export const STAGES: readonly (readonly [stage: string, where: RegExp])[] = [
  ['startup (not per request)', /^node:internal\/modules\//],
  ['parse (JSON body)', /dist\/http\/json-body\.js|dist\/lib\/json-depth\.js|secure-json-parse/],
  ['validate (RFC 7591 metadata)', /dist\/dcr\/(validate|metadata)\.js|\/zod\//],
  [
    'policy (defaults, outbound URLs)',
    /dist\/dcr\/(policy|fetched-urls|update-rules)\.js|dist\/lib\/outbound-url\.js/,
  ],
  ['mapping (render, read back)', /dist\/mapping\//],
  ['vendor call (client, breaker, undici)', /dist\/backends\/|\/undici\//],
  ['normalize (strict response)', /dist\/dcr\/normalize\.js|dist\/pipeline\/respond\.js/],
  ['RAT issue/open', /dist\/auth\/registration-token\.js/],
  ['inbound auth (admission)', /dist\/auth\//],
  ['idempotency', /dist\/pipeline\/idempotency\.js/],
  ['cache seal/unseal', /dist\/cache\/sealed\.js/],
  ['cache store (Redis client)', /dist\/cache\/|\/ioredis\/|\/redis-parser\/|\/@ioredis\//],
  ['pipeline (steps, trace)', /dist\/pipeline\/|dist\/lib\/trace-context\.js/],
  [
    'logging (pino, access, audit)',
    /\/pino\/|\/sonic-boom\/|\/thread-stream\/|dist\/http\/(logger|access-log|audit-log|failure-summary)\.js/,
  ],
  ['metrics (prom-client)', /\/prom-client\/|dist\/http\/metrics\.js/],
  ['routes and hooks (gateway http/)', /dist\/http\/|dist\/app\.js/],
  [
    'fastify (router, hooks, reply)',
    /\/fastify\/|\/find-my-way\/|\/avvio\/|\/fast-json-stringify\/|\/@fastify\//,
  ],
];

/** Frames no rule names, by what they are. */
export function fallbackStage(functionName: string, url: string): string {
  if (functionName === '(idle)') return '(idle)';
  if (functionName === '(garbage collector)') return 'GC';
  if (url.startsWith('node:')) return 'Node (HTTP server, sockets, event loop)';
  return 'engine (program, native)';
}
