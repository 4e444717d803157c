import {
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  hkdfSync,
  type KeyObject,
} from 'node:crypto';
import { randomBytes } from '../lib/crypto.js';
import type { Cache } from './cache.js';

/**
 * A JSON cache whose values are encrypted (AES-256-GCM) before they reach the store: cached
 * reads hold client secrets, and Redis must never see one in clear text. The key is derived
 * from a gateway secret, so every instance can read what another wrote.
 */
export interface SealedCache {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Encrypts JSON values bound to the name they are stored under; what does not open is undefined. */
export interface Sealer {
  seal(value: unknown, name: string): string;
  open(sealed: string, name: string): unknown;
}

/** The one sealing of everything the gateway stores (cache entries, idempotency records). */
export function createSealer(secret: Uint8Array): Sealer {
  const key = createSecretKey(
    Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'dcr-gateway cache v1', 32)),
  );
  return {
    seal: (value, name) => seal(key, value, name),
    open: (sealed, name) => open(key, sealed, name),
  };
}

export function sealCache(cache: Cache, secret: Uint8Array): SealedCache {
  const sealer = createSealer(secret);
  return {
    async get(name) {
      const sealed = await cache.get(name);
      return sealed === undefined ? undefined : sealer.open(sealed, name);
    },
    set: (name, value, ttlSeconds) => cache.set(name, sealer.seal(value, name), ttlSeconds),
    delete: (name) => cache.delete(name),
  };
}

/** The cache key is authenticated data: an entry copied to another key does not open. */
function seal(key: KeyObject, value: unknown, name: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(name));
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return [iv, body, cipher.getAuthTag()].map((part) => part.toString('base64url')).join('.');
}

function open(key: KeyObject, sealed: string, name: string): unknown {
  const [iv, body, tag] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
  if (iv === undefined || body === undefined || tag === undefined) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv)
      .setAAD(Buffer.from(name))
      .setAuthTag(tag);
    return JSON.parse(Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8'));
  } catch {
    return undefined; // written under another key (rotation) or tampered with: a miss
  }
}
