#!/usr/bin/env node
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildApp } from './app.js';
import { assemble, loadGateway, type Gateway } from './assemble.js';
import { BUNDLED_MAPPINGS } from './config/load.js';
import { FileError } from './lib/yaml-source.js';
import { createLogger } from './http/index.js';
import { loadMapping } from './mapping/index.js';
import { mappingJsonSchema } from './mapping/json-schema.js';
import { runExamples } from './pipeline/examples.js';

const USAGE = `Usage:
  dcr-gateway serve [--config FILE]     start the gateway (FILE also from DCRGW_CONFIG;
                                        without one: the loopback sandbox)
  dcr-gateway check-mappings [DIR]      validate every mapping file in DIR (default: the
                                        bundled mappings) and run its examples offline
  dcr-gateway mapping-schema            print the JSON Schema of mapping files
Environment: HOST, PORT, REDIS_URL override the config; LOG_LEVEL sets the log level.`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
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
  if (command === 'check-mappings' && rest.length <= 1)
    return checkMappings(rest[0] ?? BUNDLED_MAPPINGS);
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
  const app = await buildApp(gateway, { logger });
  const address = await app.listen({ host: config.server.host, port: config.server.port });
  logger.info(
    { address, config: config.source, routes: config.routes.map((route) => route.prefix) },
    'dcr-gateway ready',
  );
  if (sandbox !== undefined) {
    const url = `${address}${config.routes[0]!.prefix}/register`;
    process.stdout.write(
      `\nSandbox ready. Register a client:\n\n  curl -s -X POST ${url} -H 'Content-Type: application/json' ` +
        `-d '{"redirect_uris":["https://app.example/callback"],"client_name":"My app"}'\n\n`,
    );
  }
  const stop = async () => {
    await app.close();
    await Promise.all((sandbox?.backends ?? []).map((backend) => backend.close()));
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return -1;
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

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(
      `${error instanceof FileError ? error.message : String((error as Error)?.stack ?? error)}\n`,
    );
    process.exit(1);
  },
);
