#!/usr/bin/env node
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EXAMPLE_ROUTES, openApiOf } from './app.js';
import { assemble, loadGateway, type Gateway } from './assemble.js';
import { BUNDLED_MAPPINGS, type GatewayConfig } from './config/load.js';
import { GatewayError } from './errors/index.js';
import { createOutboundPolicy } from './lib/outbound-url.js';
import { systemLookup } from './lib/system-lookup.js';
import { FileError } from './lib/yaml-source.js';
import { createLogger } from './http/index.js';
import { createLifecycle, startGateway } from './lifecycle.js';
import { loadMapping, type OperationName } from './mapping/index.js';
import { mappingJsonSchema } from './mapping/json-schema.js';
import { dryRunOffline } from './pipeline/dry-run.js';
import { runExamples } from './pipeline/examples.js';

const USAGE = `Usage:
  dcr-gateway serve [--config FILE]     start the gateway (FILE also from DCRGW_CONFIG;
                                        without one: the loopback sandbox)
  dcr-gateway check-mappings [DIR]      validate every mapping file in DIR (default: the
                                        bundled mappings) and run its examples offline
  dcr-gateway mapping-schema            print the JSON Schema of mapping files
  dcr-gateway openapi [--config FILE]   print the OpenAPI document of the gateway's API for
                                        FILE's routes (without one: the documented example)
  dcr-gateway dry-run MAPPING --operation create|read|update|delete
              [--param NAME=VALUE]... [--metadata FILE.json] [--state FILE.json] [--client-id ID]
                                        print the vendor requests the gateway would send for
                                        the operation (MAPPING: a bundled id or a .yaml path),
                                        secrets masked; sends nothing
Environment: HOST, PORT, REDIS_URL override the config; LOG_LEVEL sets the log level.`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      help: { type: 'boolean', short: 'h' },
      operation: { type: 'string' },
      param: { type: 'string', multiple: true },
      metadata: { type: 'string' },
      state: { type: 'string' },
      'client-id': { type: 'string' },
    },
    allowPositionals: true,
  });
  const [command = 'serve', ...rest] = positionals;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command === 'serve' && rest.length === 0)
    return serve(values.config ?? process.env.DCRGW_CONFIG);
  if (command === 'mapping-schema' && rest.length === 0) {
    process.stdout.write(`${JSON.stringify(mappingJsonSchema(), null, 2)}\n`);
    return 0;
  }
  if (command === 'openapi' && rest.length === 0) {
    const config =
      values.config === undefined ? EXAMPLE_ROUTES : loadGateway(values.config, process.env).config;
    process.stdout.write(`${JSON.stringify(openApiOf(config), null, 2)}\n`);
    return 0;
  }
  if (command === 'check-mappings' && rest.length <= 1)
    return checkMappings(rest[0] ?? BUNDLED_MAPPINGS);
  if (command === 'dry-run' && rest.length === 1) return dryRun(rest[0]!, values);
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

async function serve(configFile: string | undefined): Promise<number> {
  // Imported on demand: oidc-provider is only needed (and only loaded) in sandbox mode.
  const sandbox =
    configFile === undefined
      ? await (await import('./sandbox/default-config.js')).startSandbox(process.env)
      : undefined;
  const gateway: Gateway =
    sandbox === undefined ? loadGateway(configFile!, process.env) : assemble(sandbox.config);
  const { config } = gateway;
  const logger = createLogger(process.env.LOG_LEVEL ?? config.server.logLevel);
  const running = await startGateway(gateway, logger);
  const lifecycle = createLifecycle(running, {
    logger,
    env: process.env,
    closeAlso: async () => {
      await Promise.all((sandbox?.backends ?? []).map((backend) => backend.close()));
    },
  });
  // Before the ready line, which tells the orchestrator (and the tests) all is set up.
  if (sandbox !== undefined) printSandboxUsage(running.address, config);
  process.on('SIGHUP', () =>
    configFile === undefined
      ? logger.warn('SIGHUP ignored: the sandbox has no config file to reload')
      : lifecycle.reload(configFile),
  );
  const drain = (signal: string) => void lifecycle.drain(signal).then((code) => process.exit(code));
  process.on('SIGINT', () => drain('SIGINT'));
  process.on('SIGTERM', () => drain('SIGTERM'));
  const { address } = running;
  logger.info(
    {
      address,
      metrics: running.metricsAddress ?? `${address}/metrics`,
      config: config.source,
      routes: config.routes.map((route) => route.prefix),
    },
    'dcr-gateway ready',
  );
  return -1;
}

function printSandboxUsage(address: string, config: GatewayConfig): void {
  const lines = config.routes.map(
    (route) =>
      `  curl -s -X POST ${address}${route.prefix}/register -H 'Content-Type: application/json' ` +
      `-d '{"redirect_uris":["https://app.example/callback"],"client_name":"My app"}'\n`,
  );
  const sites = config.sites.map(
    (site) =>
      `  ${site.issuer}/.well-known/openid-configuration  (registration, login and tokens on the same origin)\n`,
  );
  process.stdout.write(
    `\nSandbox ready. Register a client:\n\n${lines.join('\n')}\nOr discover the standard IdP, as strict clients (oauth4webapi, MCP SDK) do:\n\n${sites.join('')}\n`,
  );
}

async function checkMappings(dir: string): Promise<number> {
  const files = readdirSync(dir).filter((name) => /\.ya?ml$/.test(name));
  let failed = 0;
  for (const name of files) {
    const file = resolve(join(dir, name));
    try {
      const mapping = loadMapping(file);
      const failures = await runExamples(mapping);
      for (const failure of failures) process.stdout.write(`FAIL ${name}: ${failure}\n`);
      failed += failures.length;
      if (failures.length === 0)
        process.stdout.write(`ok   ${name} (${mapping.examples.length} examples)\n`);
    } catch (error) {
      if (!(error instanceof FileError)) throw error;
      process.stdout.write(`FAIL ${error.message}\n`);
      failed += 1;
    }
  }
  return failed === 0 ? 0 : 1;
}

/** Start-up and CLI input problems are reported as such; anything else is a bug, with its stack. */
function describeFailure(error: unknown): string {
  if (error instanceof FileError) return error.message;
  if (error instanceof GatewayError && error.status < 500)
    return `${error.oauthError}: ${error.description}`;
  return String((error as Error)?.stack ?? error);
}

const OPERATIONS = new Set(['create', 'read', 'update', 'delete']);

async function dryRun(
  mappingName: string,
  options: {
    operation?: string;
    param?: string[];
    metadata?: string;
    state?: string;
    'client-id'?: string;
  },
): Promise<number> {
  const operation = options.operation;
  if (operation === undefined || !OPERATIONS.has(operation))
    throw new FileError('dry-run: --operation must be one of create, read, update, delete');
  const file = /\.ya?ml$/.test(mappingName)
    ? resolve(mappingName)
    : resolve(BUNDLED_MAPPINGS, `${mappingName}.yaml`);
  const mapping = loadMapping(file);
  const params: Record<string, string> = Object.fromEntries(
    Object.entries(mapping.parameters).flatMap(([name, spec]) =>
      spec.default === undefined ? [] : [[name, spec.default]],
    ),
  );
  for (const pair of options.param ?? []) {
    const at = pair.indexOf('=');
    const name = pair.slice(0, at);
    if (at < 1 || !Object.hasOwn(mapping.parameters, name))
      throw new FileError(
        `dry-run: --param ${pair}: expected NAME=VALUE with NAME one of: ${Object.keys(mapping.parameters).join(', ') || 'none'}`,
      );
    params[name] = pair.slice(at + 1);
  }
  const missing = Object.entries(mapping.parameters).filter(
    ([name, spec]) => spec.required && params[name] === undefined,
  );
  if (missing.length > 0)
    throw new FileError(
      `dry-run: --param ${missing.map(([name]) => `${name}=...`).join(' ')} is required`,
    );
  const answer = await dryRunOffline({
    mapping,
    params,
    operation: operation as OperationName,
    // A configured route's default: the URLs the IdP would fetch are checked as they would be.
    outbound: createOutboundPolicy({ lookup: systemLookup }),
    ...(options.metadata === undefined ? {} : { body: readJson(options.metadata) }),
    ...(options['client-id'] === undefined ? {} : { clientId: options['client-id'] }),
    ...(options.state === undefined
      ? {}
      : { state: readJson(options.state) as Record<string, unknown> }),
  });
  process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
  return 0;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new FileError(`${file}: not a readable JSON file (${(error as Error).message})`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`${describeFailure(error)}\n`);
    process.exit(1);
  },
);
