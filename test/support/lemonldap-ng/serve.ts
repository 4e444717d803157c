import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomKey, writeConfigFile } from '../gateway.js';
import { lemonLdapNgGatewayConfig } from './gateway.js';
import { startLemonLdapNg } from './index.js';

/**
 * The README's "Real IdP example": starts a private LemonLDAP::NG (installing the Debian
 * packages when missing), writes a gateway config in front of it and runs until Ctrl-C.
 * Then, in another terminal: `npm start -- --config <the path printed>`.
 */
const dir = join(tmpdir(), 'dcrgw-lemonldap-ng');
mkdirSync(dir, { recursive: true, mode: 0o700 });
const port = Number(process.env.PORT ?? 8080);

const llng = await startLemonLdapNg();
const secret = (name: string, value: string) => {
  const file = join(dir, name);
  writeFileSync(file, value, { mode: 0o600 });
  return { file };
};
const config = lemonLdapNgGatewayConfig(
  llng,
  {
    adminPassword: secret('llng-admin-password', llng.admin.password),
    ratKey: secret('rat-key', randomKey()),
  },
  {
    server: {
      host: '127.0.0.1',
      port,
      trusted_hosts: [`127.0.0.1:${port}`, `localhost:${port}`],
      log_level: 'info',
    },
  },
);
const file = writeConfigFile(config, dir);
process.stdout.write(
  [
    `LemonLDAP::NG is up (in ${llng.startupMs} ms):`,
    `  portal (OpenID Provider): ${llng.portalUrl}  (demo users dwho/dwho, rtyler/rtyler, msmith/msmith)`,
    `  Manager API, behind HTTP Basic: ${llng.apiUrl}/api/v1`,
    `Gateway config: ${file}`,
    `Now run:  npm start -- --config ${file}`,
    `and register at http://127.0.0.1:${port}/llng/register. Ctrl-C stops LemonLDAP::NG.`,
    '',
  ].join('\n'),
);
const stop = () => void llng.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
