/** Host names that always mean this machine, as the URL parser spells them (RFC 8252 §7.3). */
export const LOOPBACK_HOSTS: ReadonlySet<string> = Object.freeze(
  new Set(['localhost', '127.0.0.1', '[::1]']),
);
