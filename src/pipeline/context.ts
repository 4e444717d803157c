import type { RegistrationAccess, RegistrationTokens } from '../auth/index.js';
import type { BackendClient } from '../backends/index.js';
import type { SealedCache } from '../cache/index.js';
import type { Capabilities } from '../dcr/index.js';
import type { CompiledMapping } from '../mapping/index.js';

/** A configured backend: one IdP instance, its mapping and its connection. */
export interface Backend {
  readonly id: string;
  readonly mapping: CompiledMapping;
  readonly params: Readonly<Record<string, string>>;
  /** The mapping's capabilities, narrowed by backend config. */
  readonly capabilities: Capabilities & { readonly fields?: readonly string[] | undefined };
  readonly client: Pick<BackendClient, 'send'>;
}

/** A public route: where new registrations go and who may make them. */
export interface Route {
  readonly id: string;
  readonly prefix: string;
  readonly access: RegistrationAccess;
  /** Backend for new registrations; existing clients are managed where their RAT says. */
  readonly backend: Backend;
}

/** What the use cases need, built once by `app.ts`. */
export interface PipelineDeps {
  readonly backends: ReadonlyMap<string, Backend>;
  readonly tokens: RegistrationTokens;
  readonly cache: SealedCache;
  /** How long an RFC 7592 read stays cached; 0: reads always go to the vendor. */
  readonly readCacheTtlSeconds: number;
  /** Compensation failures are logged: they leave an orphan the operator must remove. */
  readonly onCompensationFailure: (detail: {
    backend: string;
    clientId: string;
    error: unknown;
  }) => void;
}

/** One management or registration call as the HTTP layer hands it over. */
export interface Call {
  readonly route: Route;
  readonly authorization: string | undefined;
  /** Absolute base URL of the gateway as callers reach it, for `registration_client_uri`. */
  readonly publicBaseUrl: string;
}
