import type { RegistrationAccess, RegistrationTokens } from '../auth/index.js';
import type { SealedCache, SealedClaims } from '../cache/index.js';
import type { IdempotencySettings } from '../config/load.js';
import type { Capabilities, RegistrationMode, SoftwareStatementMode } from '../dcr/index.js';
import type { OutboundPolicy } from '../lib/outbound-url.js';
import type { Trace } from '../lib/trace-context.js';
import type { BackendTime, VendorAdapter } from '../mapping/index.js';

/** A configured backend: one IdP instance behind its compiled vendor adapter. */
export interface Backend {
  readonly id: string;
  readonly adapter: VendorAdapter;
  /** The mapping's capabilities, narrowed by backend config. */
  readonly capabilities: Capabilities;
}

/** A public route: where new registrations go and who may make them. */
export interface Route {
  readonly id: string;
  readonly prefix: string;
  readonly access: RegistrationAccess;
  /** Backend for new registrations; existing clients are managed where their RAT says. */
  readonly backend: Backend;
  /** RFC 7591 §3.2.1: replace what the backend cannot honour (`substitute`) or refuse it. */
  readonly registration: RegistrationMode;
  /** Whether a flagged request is answered with the vendor requests instead of sending them. */
  readonly dryRun: boolean;
  /** RFC 7591 §2.3: dropped, or handed to the IdP (which verifies it) and echoed. */
  readonly softwareStatements: SoftwareStatementMode;
  /** Which URLs the IdP may be handed to fetch (`jwks_uri`, `sector_identifier_uri`, ...). */
  readonly outbound: OutboundPolicy;
  /** `Idempotency-Key` (and the duplicate window) on registration; undefined: off. */
  readonly idempotency: IdempotencySettings | undefined;
}

/** What the use cases need, built once by `app.ts`. */
export interface PipelineDeps {
  readonly backends: ReadonlyMap<string, Backend>;
  readonly tokens: RegistrationTokens;
  readonly cache: SealedCache;
  /** How long an RFC 7592 read stays cached; 0: reads always go to the vendor. */
  readonly readCacheTtlSeconds: number;
  /** Hears of each cached read tried: answered from the cache (hit) or from the vendor. */
  readonly countCacheRead?: (backend: string, hit: boolean) => void;
  /** Idempotency records: in the shared Redis, or in memory without one. */
  readonly claims: SealedClaims;
}

/** One management or registration call as the HTTP layer hands it over. */
export interface Call {
  readonly route: Route;
  readonly authorization: string | undefined;
  /** Absolute base URL of the gateway as callers reach it, for `registration_client_uri`. */
  readonly publicBaseUrl: string;
  /** The caller asked for a dry run (honoured only where the route allows it). */
  readonly dryRun?: boolean;
  /** Filled in as the call learns them, for its audit line. */
  readonly audit?: AuditFacts;
  /** The caller's W3C trace, continued by every vendor call the request makes. */
  readonly trace?: Trace;
  /** Added to by every vendor call the request makes. */
  readonly backendTime?: BackendTime;
}

/** What a call establishes that its audit line names: never a secret. */
export interface AuditFacts {
  /** The backend that holds (or was to hold) the client: a RAT names it for management. */
  backend?: string;
  /** The client registered, or managed under a RAT that named it. */
  clientId?: string;
}

export type { Admission, ClientCertificate, InboundRequest, Principal } from '../auth/index.js';
export type { BackendTime } from '../mapping/index.js';
