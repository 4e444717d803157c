import { isDeepStrictEqual } from 'node:util';
import { badVendorResponse, methodNotAllowed } from '../errors/index.js';
import { randomAlphanumeric, randomBytes } from '../lib/crypto.js';
import type {
  CompiledCall,
  CompiledGenerated,
  CompiledMapping,
  CompiledOperation,
} from './compile.js';
import { isRecord, type Json } from './fields.js';
import type { CallContext, Send, VendorRequest } from './port.js';
import type { OperationName } from './schema.js';
import { TemplateError, type TemplateScope } from './template.js';
import { copyOf, mergeInto } from '../lib/objects.js';

/** What a vendor holds for one client, as the gateway keeps it in the RAT. */
export type VendorState = Readonly<Record<string, unknown>>;

/** The client as the vendor reports it, in standard names, and the state to keep. */
export interface Outcome {
  readonly record: Json;
  readonly state: VendorState;
  /** The state changed (the vendor rotated its RAT, an echoed member changed): issue a new RAT. */
  readonly rotated: boolean;
}

/** One backend's vendor API behind create / read / update / delete, compiled from its mapping. */
export interface VendorAdapter {
  readonly mapping: CompiledMapping;
  /** RFC 7592 methods this backend serves, for `Allow`. */
  readonly allowedMethods: readonly string[];
  /**
   * Creates the client, then runs `commit` (normalize, issue the RAT) with its record, whose
   * `client_id` the vendor (or the gateway, for vendors that make none) gave it. If anything fails after
   * the vendor made the client, a later call, `commit` itself, the client is removed again by
   * the mapping's compensation before the error goes on.
   */
  create<T>(
    metadata: Readonly<Json>,
    commit: (created: Outcome) => T | Promise<T>,
    context?: CallContext,
  ): Promise<T>;
  read(clientId: string, state: VendorState, context?: CallContext): Promise<Outcome>;
  update(
    clientId: string,
    state: VendorState,
    metadata: Readonly<Json>,
    context?: CallContext,
  ): Promise<Outcome>;
  delete(clientId: string, state: VendorState, context?: CallContext): Promise<void>;
  /** The vendor requests an operation would send, rendered without sending them. */
  dryRun(operation: OperationName, input: DryRunInput): Promise<DryRun>;
}

export interface DryRunInput {
  readonly metadata?: Readonly<Json>;
  readonly clientId?: string;
  readonly state?: VendorState;
}

export interface DryRun {
  readonly requests: readonly VendorRequest[];
  /** Secrets the gateway generated for the requests: masked wherever they appear. */
  readonly secrets: readonly string[];
  /** Why the run stopped before the last call, e.g. a value only the vendor's answer holds. */
  readonly stopped?: string;
}

export interface CompensationEvent {
  readonly clientId: string;
  /** Absent when the compensation removed the client. */
  readonly error?: unknown;
}

export interface AdapterOptions {
  readonly params: Readonly<Record<string, string>>;
  readonly send: Send;
  /** Every compensation, done or failed (a failure leaves an orphan the operator must remove). */
  readonly onCompensation?: (event: CompensationEvent) => void;
  /** Makes generated values; fixed in examples. */
  readonly generate?: (name: string, kind: CompiledGenerated['kind']) => string;
}

/** State key of the registered members a mapping echoes (`echo:`); no var may use it. */
export const REGISTERED_STATE = 'registered';

export function createAdapter(mapping: CompiledMapping, options: AdapterOptions): VendorAdapter {
  const { params } = options;
  /** The port, with the context of the request each call serves. */
  const sendIn =
    (context: CallContext | undefined): Send =>
    (request) =>
      options.send(request, context);
  const make = options.generate ?? randomValue;
  const { create, read, update, delete: remove } = mapping.operations;
  const allowedMethods = Object.freeze([
    ...(read ? ['GET', 'HEAD'] : []),
    ...(update ? ['PUT'] : []),
    ...(remove ? ['DELETE'] : []),
  ]);
  const needed = (name: OperationName): CompiledOperation => {
    const operation = mapping.operations[name];
    if (operation === undefined) throw methodNotAllowed(allowedMethods);
    return operation;
  };
  const echoed = (metadata: Readonly<Json>): Json | undefined => {
    if (mapping.echo.length === 0) return undefined;
    return Object.fromEntries(
      mapping.echo.filter((key) => metadata[key] !== undefined).map((key) => [key, metadata[key]]),
    );
  };
  const withEcho = (record: Json, registered: unknown): Json =>
    isRecord(registered) ? mergeInto({}, registered, record) : record;

  const manage = async (
    name: 'read' | 'update',
    clientId: string,
    state: VendorState,
    metadata: Readonly<Json>,
    context: CallContext | undefined,
  ): Promise<Outcome> => {
    const operation = needed(name);
    const run = await runCalls(
      operation.calls,
      name,
      scopeOf(params, state, clientId),
      storedOnly(mapping, metadata),
      mapping,
      sendIn(context),
    );
    // What the caller registered, before the stored-fields filter: echo is for members the
    // vendor does not keep.
    const registered = name === 'update' ? echoed(metadata) : state[REGISTERED_STATE];
    const next = keptState(operation, name, state, run.vars);
    if (registered !== undefined) next[REGISTERED_STATE] = registered;
    return {
      record: withEcho(run.record ?? {}, registered),
      state: next,
      rotated: !isDeepStrictEqual(next, state),
    };
  };

  /** Generates the mapping's values into the metadata and the vars; returns the secrets made. */
  const generateInto = (metadata: Json, vars: Record<string, unknown>): string[] => {
    const secrets: string[] = [];
    for (const value of mapping.generate) {
      if (!value.applies(metadata)) continue;
      const made = value.prefix + make(value.name, value.kind);
      vars[value.name] = metadata[value.name] = made;
      if (value.kind === 'secret') secrets.push(made);
    }
    return secrets;
  };

  const adapter: VendorAdapter = {
    mapping,
    allowedMethods,
    async create<T>(
      input: Readonly<Json>,
      commit: (created: Outcome) => T | Promise<T>,
      context?: CallContext,
    ) {
      const send = sendIn(context);
      const metadata: Json = storedOnly(mapping, input);
      const vars: Record<string, unknown> = {};
      generateInto(metadata, vars);
      const scope = { params, vars };
      let made = false;
      try {
        const run = await runCalls(create.calls, 'create', scope, metadata, mapping, send, () => {
          made = true;
        });
        const registered = echoed(input);
        const state = keptState(create, 'create', {}, run.vars);
        if (registered !== undefined) state[REGISTERED_STATE] = registered;
        const record = withEcho(run.record ?? {}, registered);
        const clientId = record.client_id ?? run.vars.client_id;
        if (typeof clientId !== 'string' || clientId === '')
          throw badVendorResponse('create yielded no client_id');
        // `record` is this create's own (made by the result rules or withEcho): set in place.
        record.client_id = clientId;
        return await commit({ record, state, rotated: false });
      } catch (error) {
        if (made) await compensate(scope.vars, send);
        throw error;
      }
    },
    read: (clientId, state, context) => manage('read', clientId, state, {}, context),
    update: (clientId, state, metadata, context) =>
      manage('update', clientId, state, metadata, context),
    async delete(clientId, state, context) {
      await runCalls(
        needed('delete').calls,
        'delete',
        scopeOf(params, state, clientId),
        {},
        mapping,
        sendIn(context),
      );
    },
    async dryRun(name, input) {
      const operation = needed(name);
      const requests: VendorRequest[] = [];
      const metadata = storedOnly(mapping, input.metadata ?? {});
      const vars: Record<string, unknown> = { ...input.state };
      if (input.clientId !== undefined) vars.client_id = input.clientId;
      const secrets = name === 'create' ? generateInto(metadata, vars) : [];
      // Each call is answered with its first expected status and an empty object: what later
      // calls need from real answers is reported, not invented.
      const record: Send = async (request) => {
        requests.push(request);
        const call = operation.calls.find((c) => c.name === request.call);
        return { status: [...(call?.expect ?? [200])][0]!, body: {} };
      };
      try {
        await runCalls(operation.calls, name, { params, vars }, metadata, mapping, record);
        return { requests, secrets };
      } catch (error) {
        const done = requests.length === operation.calls.length;
        return done ? { requests, secrets } : { requests, secrets, stopped: reason(error) };
      }
    },
  };
  return Object.freeze(adapter);

  /** Undoes a create with what the calls so far captured; never throws. */
  async function compensate(vars: Readonly<Record<string, unknown>>, send: Send): Promise<void> {
    const clientId = typeof vars.client_id === 'string' ? vars.client_id : '(unknown)';
    const calls = create.compensate ?? remove?.calls;
    try {
      if (calls === undefined) throw new Error('the mapping has neither compensate nor delete');
      await runCalls(calls, 'delete', { params, vars: { ...vars } }, {}, mapping, send);
      options.onCompensation?.({ clientId });
    } catch (error) {
      options.onCompensation?.({ clientId, error });
    }
  }
}

function scopeOf(
  params: Readonly<Record<string, string>>,
  state: VendorState,
  clientId: string,
): TemplateScope {
  return { params, vars: mergeInto({}, state, { client_id: clientId }) };
}

/** Members the vendor does not store are not sent (RFC 7591 §2 lets a server ignore them). */
function storedOnly(mapping: CompiledMapping, metadata: Readonly<Json>): Json {
  const stored = mapping.storedFields;
  if (stored === undefined) return copyOf(metadata);
  return Object.fromEntries(
    Object.entries(metadata).filter(([key]) => stored.has(key.split('#')[0]!)),
  );
}

interface Run {
  /** The vendor's view of the client, in standard names; absent for delete. */
  readonly record?: Json;
  readonly vars: Readonly<Record<string, unknown>>;
}

/**
 * The call loop: each call is rendered from the vars so far, sent, checked against its expected
 * statuses (anything else goes through the mapping's error rules), and its captures feed the
 * next call. `onCreated` fires once the call that makes the client has succeeded.
 */
async function runCalls(
  calls: readonly CompiledCall[],
  name: OperationName,
  scope: { params: Readonly<Record<string, string>>; vars: Record<string, unknown> },
  metadata: Readonly<Json>,
  mapping: CompiledMapping,
  send: Send,
  onCreated?: () => void,
): Promise<Run> {
  let record: Json | undefined;
  for (const call of calls) {
    let request: VendorRequest;
    try {
      request = call.request(scope, metadata);
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      throw badVendorResponse(`call ${call.name}: ${error.message}`);
    }
    const response = await send(request);
    if (!call.expect.has(response.status))
      throw mapping.classifyError(name, response.status, response.body);
    if (call.creates) onCreated?.();
    Object.assign(scope.vars, call.capture(response.body));
    if (call.result) {
      if (!isRecord(response.body))
        throw badVendorResponse(`call ${call.name}: body is not a JSON object`);
      record = call.result(response.body, scope);
    }
  }
  return record === undefined ? { vars: scope.vars } : { record, vars: scope.vars };
}

/** The vars an operation keeps, as RAT state; a required one missing fails a create. */
function keptState(
  operation: CompiledOperation,
  name: OperationName,
  previous: VendorState,
  vars: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const state: Record<string, unknown> = copyOf(previous);
  for (const { name: key, optional } of operation.keep) {
    const value = vars[key];
    if (value !== undefined && value !== null && value !== '') state[key] = value;
    else if (name === 'create' && !optional) throw badVendorResponse(`create did not yield ${key}`);
  }
  return state;
}

function randomValue(_name: string, kind: CompiledGenerated['kind']): string {
  if (kind === 'timestamp') return String(Math.floor(Date.now() / 1000));
  return kind === 'id' ? randomBytes(16).toString('hex') : randomAlphanumeric(43);
}

function reason(error: unknown): string {
  const detail = (error as { detail?: unknown }).detail;
  return typeof detail === 'string'
    ? detail
    : error instanceof Error
      ? error.message
      : String(error);
}
