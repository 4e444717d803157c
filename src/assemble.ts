import {
  resolveConfigFile,
  type Env,
  type GatewayConfig,
  type ResolvedBackend,
} from './config/load.js';
import { CLIENT_METADATA, type Capabilities } from './dcr/index.js';
import { FileError } from './lib/yaml-source.js';
import { loadMapping, type CompiledMapping } from './mapping/index.js';

/** A backend section with its mapping compiled and checked against it. */
export interface AssembledBackend {
  readonly section: ResolvedBackend;
  readonly mapping: CompiledMapping;
  /** The section's parameters over the mapping's defaults. */
  readonly params: Readonly<Record<string, string>>;
  /** The mapping's capabilities, narrowed by the section. */
  readonly capabilities: Capabilities;
}

/** Everything the app is built from, checked as a whole at start. */
export interface Gateway {
  readonly config: GatewayConfig;
  readonly backends: readonly AssembledBackend[];
}

/** Loads a config file and compiles its mappings, reporting every problem of both at once. */
export function loadGateway(file: string, env: Env): Gateway {
  const { config, problems } = resolveConfigFile(file, env);
  return assemble(config, problems);
}

/**
 * Compiles each backend's mapping and checks the section against it: parameters it declares,
 * the admin credential its scheme needs, capabilities it has. Throws one `FileError` with these
 * problems and `earlier` ones, each placed in the config file.
 */
export function assemble(config: GatewayConfig, earlier: readonly string[] = []): Gateway {
  const problems = [...earlier];
  const backends = config.backends.flatMap((section) => {
    const report = (path: readonly (string | number)[], message: string) =>
      problems.push(config.describe(['backends', section.id, ...path], message));
    let mapping: CompiledMapping;
    try {
      mapping = loadMapping(section.mappingFile);
    } catch (error) {
      if (!(error instanceof FileError)) throw error;
      report(['mapping'], `mapping ${section.mapping} is invalid:\n${error.message}`);
      return [];
    }
    return [
      {
        section,
        mapping,
        params: parameters(mapping, section, report),
        capabilities: capabilities(mapping, section, report),
      },
    ];
  });
  for (const [index, backend] of backends.entries())
    checkAdmin(backend.mapping, backend.section, (path, message) =>
      problems.push(config.describe(['backends', backends[index]!.section.id, ...path], message)),
    );
  for (const route of config.routes)
    for (const key of Object.keys(route.outboundUrls.allowHosts ?? {}))
      if (key !== '*' && !FETCHED.includes(key))
        problems.push(
          config.describe(
            ['routes', route.id, 'outbound_urls', 'allow_hosts', key],
            `expected * or a member the IdP may fetch: ${FETCHED.join(', ')}`,
          ),
        );
  for (const route of config.routes) {
    const mapping = backends.find(({ section }) => section.id === route.backend)?.mapping;
    // A statement the vendor never receives would be echoed as if someone had verified it.
    if (
      route.softwareStatements === 'pass_through' &&
      mapping?.storedFields?.has('software_statement') !== true
    )
      problems.push(
        config.describe(
          ['routes', route.id, 'software_statements'],
          `mapping ${mapping?.id ?? route.backend} does not send software_statement to its IdP (capabilities.fields), so nobody would verify it`,
        ),
      );
  }
  if (problems.length > 0) throw new FileError(problems.join('\n'));
  return { config, backends };
}

const FETCHED = Object.keys(CLIENT_METADATA).filter((name) => CLIENT_METADATA[name]!.fetched);

type Report = (path: readonly (string | number)[], message: string) => void;

function parameters(
  mapping: CompiledMapping,
  section: ResolvedBackend,
  report: Report,
): Record<string, string> {
  const given = section.parameters;
  const params: Record<string, string> = {};
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(mapping.parameters, name)) {
      report(
        ['parameters', name],
        `mapping ${mapping.id} has no parameter ${name} (it has: ${Object.keys(mapping.parameters).join(', ') || 'none'})`,
      );
    }
  }
  for (const [name, spec] of Object.entries(mapping.parameters)) {
    const value = Object.hasOwn(given, name) ? given[name] : spec.default;
    if (value === undefined) {
      if (spec.required)
        report(
          ['parameters'],
          `mapping ${mapping.id} needs parameter ${name}: ${spec.description}`,
        );
      continue;
    }
    params[name] = value;
  }
  return params;
}

function checkAdmin(mapping: CompiledMapping, section: ResolvedBackend, report: Report): void {
  const scheme = mapping.adminAuth;
  const admin = section.admin;
  const need = (fields: (keyof typeof admin)[], names: string[]) => {
    fields.forEach((field, index) => {
      if (admin[field] === undefined)
        report(
          ['admin'],
          `mapping ${mapping.id} authenticates with ${scheme.kind}: admin.${names[index]} is required`,
        );
    });
  };
  if (scheme.kind === 'bearer' && !scheme.optional) need(['token'], ['token']);
  if (scheme.kind === 'basic') need(['username', 'password'], ['username', 'password']);
  if (scheme.kind === 'client_credentials')
    need(['clientId', 'clientSecret'], ['client_id', 'client_secret']);
}

/** A backend may declare the scopes its instance knows; within the mapping's list, if it has one. */
function scopes(
  mapping: CompiledMapping,
  section: ResolvedBackend,
  report: Report,
): { scopes?: readonly string[] } {
  const declared = mapping.capabilities.scopes;
  const given = section.capabilities?.scopes;
  if (given === undefined) return declared === undefined ? {} : { scopes: declared };
  const extra = declared === undefined ? [] : given.filter((scope) => !declared.includes(scope));
  if (extra.length > 0)
    report(
      ['capabilities', 'scopes'],
      `mapping ${mapping.id} does not support ${extra.join(', ')}`,
    );
  return { scopes: given };
}

type Narrowable = 'grant_types' | 'response_types' | 'token_endpoint_auth_methods';

function capabilities(
  mapping: CompiledMapping,
  section: ResolvedBackend,
  report: Report,
): Capabilities {
  const declared = mapping.capabilities;
  const pick = (field: Narrowable): readonly string[] => {
    const values = section.capabilities?.[field];
    if (values === undefined) return declared[field];
    const extra = values.filter((value) => !declared[field].includes(value));
    if (extra.length > 0)
      report(['capabilities', field], `mapping ${mapping.id} does not support ${extra.join(', ')}`);
    return values;
  };
  return {
    grant_types: pick('grant_types'),
    response_types: pick('response_types'),
    token_endpoint_auth_methods: pick('token_endpoint_auth_methods'),
    ...scopes(mapping, section, report),
    ...(declared.algorithms === undefined ? {} : { algorithms: declared.algorithms }),
    ...(declared.refuse === undefined ? {} : { refused: declared.refuse }),
  };
}
