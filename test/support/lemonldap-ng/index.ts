import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The packaged configuration the private one is seeded from (contract §1). */
const PACKAGED_CONF = '/var/lib/lemonldap-ng/conf/lmConf-1.json';
const API_PSGI = '/usr/share/lemonldap-ng/manager/api/api.psgi';
const PORTAL_PSGI = '/usr/share/lemonldap-ng/portal/htdocs/index.psgi';
const INSTALL_SCRIPT = resolve(import.meta.dirname, 'install.sh');

/** A running LemonLDAP::NG: the Manager REST API behind HTTP Basic, and the portal (the OP). */
export interface LemonLdapNg {
  /** `http://127.0.0.1:P`: the wrapped Manager API; its REST base is `{apiUrl}/api/v1`. */
  readonly apiUrl: string;
  /** `http://127.0.0.1:P`: where the portal listens. */
  readonly portalUrl: string;
  /** The portal's public URL and OIDC issuer (no trailing slash): `portalUrl` unless one was given. */
  readonly issuer: string;
  /** The admin credential HTTP Basic asks for in front of the API. */
  readonly admin: { readonly username: string; readonly password: string };
  /** The private directory holding `lemonldap-ng.ini`, `conf/` and the session stores. */
  readonly dir: string;
  /** Milliseconds from spawning both processes until both answered. */
  readonly startupMs: number;
  /** Stops both processes (their whole process groups) and removes the private directory. */
  close(): Promise<void>;
}

/**
 * Installs the Debian packages when missing (`install.sh`: quiet and quick once installed).
 * Root or passwordless sudo is needed only for the first install.
 */
export function ensureLemonLdapNgInstalled(): void {
  execFileSync('bash', [INSTALL_SCRIPT], { stdio: 'inherit' });
}

/**
 * Starts a private LemonLDAP::NG on free loopback ports: writes its configuration into a new
 * temporary directory, wraps the Manager API in HTTP Basic, starts the API and the portal with
 * `plackup` and resolves once both answer. Nothing it starts outlives `close()`.
 */
export async function startLemonLdapNg(
  options: {
    /** The portal's public URL and issuer, e.g. a site's origin in front of it. */
    issuer?: string;
  } = {},
): Promise<LemonLdapNg> {
  ensureLemonLdapNgInstalled();
  const dir = mkdtempSync(join(tmpdir(), 'llng-'));
  const [apiPort, portalPort] = [await freePort(), await freePort()];
  const portalUrl = `http://127.0.0.1:${portalPort}`;
  const issuer = options.issuer ?? portalUrl;
  const admin = { username: 'dcr-gateway', password: randomBytes(24).toString('base64url') };
  const ini = writeConfiguration(dir, issuer);
  const apiPsgi = join(dir, 'api-basic.psgi');
  writeFileSync(apiPsgi, BASIC_WRAPPER);

  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LLNG_DEFAULTCONFFILE: ini,
    LLNG_ADMIN_USER: admin.username,
    LLNG_ADMIN_PASSWORD: admin.password,
  };
  const started = Date.now();
  const processes = [
    plackup(apiPort, apiPsgi, env, dir),
    plackup(portalPort, PORTAL_PSGI, env, dir),
  ];
  // Detached groups outlive a process that exits without close() (a test worker torn down, a
  // signal handled by a wrapper): kill them and remove the directory on exit too.
  const onExit = () => {
    processes.forEach((child) => signalGroup(child, 'SIGKILL'));
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  const close = async () => {
    process.off('exit', onExit);
    await Promise.all(processes.map(stop));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all([
      untilAnswers(`http://127.0.0.1:${apiPort}/api/v1/status`, processes[0]!, admin),
      untilAnswers(`${portalUrl}/.well-known/openid-configuration`, processes[1]!),
    ]);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    apiUrl: `http://127.0.0.1:${apiPort}`,
    portalUrl,
    issuer,
    admin,
    dir,
    startupMs: Date.now() - started,
    close,
  };
}

/**
 * `api.psgi` behind `Plack::Middleware::Auth::Basic`: the API has no authentication of its own
 * (contract §1), so this is the admin credential the gateway holds.
 */
const BASIC_WRAPPER = `use strict;
use Plack::Builder;
use Plack::Util;
my $api = Plack::Util::load_psgi('${API_PSGI}');
builder {
  enable 'Auth::Basic', realm => 'llng-api', authenticator => sub {
    my ($user, $password) = @_;
    return $user eq $ENV{LLNG_ADMIN_USER} && $password eq $ENV{LLNG_ADMIN_PASSWORD};
  };
  $api;
};
`;

/**
 * Writes `lemonldap-ng.ini` and `conf/lmConf-1.json` (contract §1) for a portal known as
 * `portalUrl`; returns the ini's path.
 */
function writeConfiguration(dir: string, portalUrl: string): string {
  for (const sub of ['conf', 'sessions/lock', 'psessions/lock', 'notifications', 'cache'])
    mkdirSync(join(dir, sub), { recursive: true });
  const ini = join(dir, 'lemonldap-ng.ini');
  writeFileSync(
    ini,
    [
      '[all]',
      'logLevel = error',
      'checkTime = 1',
      '[configuration]',
      'type = File',
      `dirName = ${dir}/conf`,
      'localStorage = Cache::FileCache',
      `localStorageOptions = { 'namespace' => 'lemonldap-ng-config', 'default_expires_in' => 600, 'cache_root' => '${dir}/cache', 'cache_depth' => 3 }`,
      '[portal]',
      'staticPrefix = /static',
      'templateDir = /usr/share/lemonldap-ng/portal/templates',
      'languages = en',
      '[handler]',
      'status = 0',
      '[manager]',
      'enabledModules = api',
      'protection = none',
      // the Manager refuses to start without a readable template directory, even for the API
      'templateDir = /usr/share/lemonldap-ng/manager/htdocs/templates',
      '',
    ].join('\n'),
  );
  const portalHost = new URL(portalUrl).hostname;
  const conf = JSON.parse(readFileSync(PACKAGED_CONF, 'utf8')) as Record<string, unknown>;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  Object.assign(conf, {
    portal: `${portalUrl}/`,
    // The cookie domain, which the portal also requires every return URL to be in.
    domain: portalHost === '127.0.0.1' ? 'localhost' : portalHost,
    reloadUrls: {},
    registerDB: 'Null',
    globalStorageOptions: {
      ...(conf.globalStorageOptions as object),
      Directory: `${dir}/sessions`,
      LockDirectory: `${dir}/sessions/lock`,
    },
    persistentStorageOptions: {
      Directory: `${dir}/psessions`,
      LockDirectory: `${dir}/psessions/lock`,
    },
    localSessionStorageOptions: {
      ...(conf.localSessionStorageOptions as object),
      cache_root: `${dir}/cache`,
    },
    notificationStorageOptions: { dirName: `${dir}/notifications` },
    issuerDBOpenIDConnectActivation: 1,
    oidcServiceMetaDataIssuer: portalUrl,
    oidcServicePrivateKeySig: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    oidcServicePublicKeySig: publicKey.export({ type: 'spki', format: 'pem' }),
    oidcServiceKeyIdSig: randomBytes(8).toString('hex'),
  });
  writeFileSync(join(dir, 'conf', 'lmConf-1.json'), JSON.stringify(conf, null, 2));
  return ini;
}

function plackup(port: number, psgi: string, env: Record<string, string>, cwd: string) {
  // detached: its own process group, so close() ends plackup and anything it forked, only.
  const child = spawn(
    'plackup',
    [
      '-s',
      'HTTP::Server::PSGI',
      '-E',
      'deployment',
      '--host',
      '127.0.0.1',
      '--port',
      `${port}`,
      psgi,
    ],
    { env, cwd, detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on(
    'data',
    (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)),
  );
  return Object.assign(child, { stderrTail: () => stderr });
}

type Plackup = ReturnType<typeof plackup>;

async function untilAnswers(
  url: string,
  child: Plackup,
  basic?: { username: string; password: string },
): Promise<void> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (basic)
    headers.authorization = `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`plackup for ${url} exited with ${child.exitCode}:\n${child.stderrTail()}`);
    try {
      const response = await fetch(url, { headers });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`${url} did not answer 200 within 30 s:\n${child.stderrTail()}`);
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  signalGroup(child, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), 3000);
  return exited.finally(() => clearTimeout(timer));
}

/** Signals the process group the child leads (its own, as it was spawned detached), only. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => done(port));
    });
  });
}
