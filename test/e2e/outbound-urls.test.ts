import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assemble } from '../../src/assemble.js';
import { startSandbox } from '../../src/sandbox/default-config.js';
import { expectErrorAnswer } from '../conformance/wire.js';
import { call, listenGateway, startStandardSetup, type StandardSetup } from '../support/gateway.js';

/**
 * The IdP is never handed a URL that points at this machine: a loopback listener stands in for
 * an internal service and counts every connection made to it. Through a configured gateway in
 * front of the real oidc-provider (which fetches `sector_identifier_uri` at registration), every
 * internal URL is refused before the IdP is called, on create and on update, and the listener
 * sees nothing; a route that allows loopback lets the same URLs through, and the IdP connects.
 */
interface Listener {
  readonly port: number;
  connections: number;
  close(): Promise<void>;
}

async function startListener(): Promise<Listener> {
  const server: Server = createServer((socket) => {
    listener.connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const listener: Listener = {
    port: (server.address() as { port: number }).port,
    connections: 0,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  return listener;
}

const REDIRECT = { redirect_uris: ['https://app.example/cb'] };
const refused = (field: string, reason = 'must not point at an internal address') => ({
  status: 400,
  error: 'invalid_client_metadata',
  description: `${field} ${reason}`,
});

let listener: Listener;
let setup: StandardSetup;
beforeAll(async () => {
  listener = await startListener();
  setup = await startStandardSetup();
});
afterAll(async () => {
  await setup.close();
  await listener.close();
});

/** Internal URLs for the listener in several spellings, each in a member the IdP may fetch. */
const internal = () => {
  const p = listener.port;
  return [
    ['sector_identifier_uri', `https://127.0.0.1:${p}/sector.json`],
    ['jwks_uri', `https://localhost:${p}/jwks.json`],
    ['request_uris', [`https://[::ffff:7f00:1]:${p}/request.jwt`]],
    ['backchannel_logout_uri', `https://[::1]:${p}/logout`],
    ['logo_uri#fr', `https://idp.internal.test:${p}/logo.png`],
    ['initiate_login_uri', `https://169.254.169.254:${p}/latest/meta-data/`],
    ['client_uri', `https://10.0.0.1:${p}/`],
  ] as const;
};

describe('a configured gateway (outbound_urls defaults)', () => {
  it('refuses every internal URL on create, and the IdP never connects', async () => {
    for (const [field, value] of internal()) {
      const response = await call('POST', setup.register, {
        body: { ...REDIRECT, [field]: value },
      });
      expectErrorAnswer(response, refused(field));
    }
    expect(listener.connections).toBe(0);
  });

  it('refuses http, and names that do not resolve', async () => {
    expectErrorAnswer(
      await call('POST', setup.register, {
        body: { ...REDIRECT, policy_uri: 'http://app.example/policy' },
      }),
      refused('policy_uri', 'must be an https URI'),
    );
    expectErrorAnswer(
      await call('POST', setup.register, {
        body: { ...REDIRECT, jwks_uri: 'https://keys.invalid/jwks.json' },
      }),
      refused('jwks_uri', 'must point at a host that resolves'),
    );
  });

  it('refuses every internal URL on update (RFC 7592 PUT), and the IdP never connects', async () => {
    const created = await call('POST', setup.register, {
      body: { ...REDIRECT, client_uri: 'https://app.example/' },
    });
    expect(created.status).toBe(201);
    const { client_id, registration_access_token, registration_client_uri } = created.body;
    for (const [field, value] of internal()) {
      const response = await call('PUT', registration_client_uri, {
        token: registration_access_token,
        body: { ...REDIRECT, client_id, [field]: value },
      });
      expectErrorAnswer(response, refused(field));
    }
    expect(listener.connections).toBe(0);
    // Nothing changed at the IdP: the same RAT still reads the client as created.
    const read = await call('GET', registration_client_uri, { token: registration_access_token });
    expect(read.status).toBe(200);
    expect(read.body.client_uri).toBe('https://app.example/');
    expect(read.body.sector_identifier_uri).toBeUndefined();
  });

  it('registers public URLs', async () => {
    const response = await call('POST', setup.register, {
      body: {
        ...REDIRECT,
        client_uri: 'https://app.example/',
        'logo_uri#fr': 'https://cdn.app.example/logo-fr.png',
        tos_uri: 'https://app.example/tos',
      },
    });
    expect(response.status, response.text).toBe(201);
    expect(response.body.tos_uri).toBe('https://app.example/tos');
  });
});

describe('a route that allows loopback', () => {
  let open: StandardSetup;
  beforeAll(async () => {
    open = await startStandardSetup({ outboundUrls: { allow_loopback: true } });
  });
  afterAll(() => open.close());

  it('registers loopback display URLs, http included', async () => {
    const p = listener.port;
    const response = await call('POST', open.register, {
      body: {
        ...REDIRECT,
        client_uri: `http://localhost:${p}/`,
        logo_uri: `http://127.0.0.1:${p}/logo.png`,
      },
    });
    expect(response.status, response.text).toBe(201);
    expect(response.body.client_uri).toBe(`http://localhost:${p}/`);
  });

  it('hands the IdP a loopback sector_identifier_uri, which it then fetches', async () => {
    const before = listener.connections;
    const response = await call('POST', open.register, {
      body: { ...REDIRECT, sector_identifier_uri: `https://127.0.0.1:${listener.port}/s.json` },
    });
    // The listener is no TLS server: the IdP's fetch fails and it refuses the metadata.
    expectErrorAnswer(response, {
      status: 400,
      error: 'invalid_client_metadata',
      description: 'the identity provider rejected the client metadata',
    });
    expect(listener.connections).toBeGreaterThan(before);
  });

  it('still refuses link-local and private addresses', async () => {
    for (const [field, value] of [
      ['jwks_uri', 'https://169.254.169.254/keys'],
      ['client_uri', 'https://192.168.1.1/'],
    ] as const) {
      const response = await call('POST', open.register, { body: { ...REDIRECT, [field]: value } });
      expectErrorAnswer(response, refused(field));
    }
  });
});

describe('the sandbox', () => {
  it('allows loopback URLs, so local tools can register theirs', async () => {
    const { config, backends } = await startSandbox({ PORT: '0' });
    const gateway = await listenGateway(assemble(config));
    try {
      const response = await call('POST', `${gateway.url}/sandbox/standard/register`, {
        body: {
          ...REDIRECT,
          client_uri: 'http://localhost:6274/',
          logo_uri: 'http://[::1]:6274/l.png',
        },
      });
      expect(response.status, response.text).toBe(201);
      expectErrorAnswer(
        await call('POST', `${gateway.url}/sandbox/standard/register`, {
          body: { ...REDIRECT, jwks_uri: 'https://169.254.169.254/keys' },
        }),
        refused('jwks_uri'),
      );
    } finally {
      await gateway.close();
      await Promise.all(backends.map((backend) => backend.close()));
    }
  });
});
