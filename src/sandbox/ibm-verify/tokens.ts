import { randomBytes, randomUUID } from 'node:crypto';

/** An API client (§1): a generated id and secret, and the entitlements it was granted. */
export interface ApiClient {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly entitlements: readonly string[];
}

export interface IssuedToken {
  readonly token: string;
  readonly expiresIn: number;
  readonly grantId: string;
}

export interface AccessTokens {
  issue(client: ApiClient): IssuedToken;
  /** The entitlements of a live token; `undefined` for one this tenant did not issue or that expired. */
  verify(token: string): readonly string[] | undefined;
  /** Forgets every token issued so far (as if each had expired): the next call needs a new one. */
  revokeAll(): void;
}

/** §1: opaque bearer tokens that carry their API client's entitlements until they expire. */
export function createAccessTokens(lifetimeSeconds: number): AccessTokens {
  const live = new Map<string, { entitlements: readonly string[]; expiresAt: number }>();
  return {
    issue(client) {
      const token = randomBytes(32).toString('base64url');
      live.set(token, {
        entitlements: client.entitlements,
        expiresAt: Date.now() + lifetimeSeconds * 1000,
      });
      return { token, expiresIn: lifetimeSeconds, grantId: randomUUID() };
    },
    verify(token) {
      // A Map lookup by the token itself: its key is the secret, and no comparison loop leaks it.
      const entry = live.get(token);
      if (entry === undefined || entry.expiresAt <= Date.now()) return undefined;
      return entry.entitlements;
    },
    revokeAll: () => live.clear(),
  };
}
