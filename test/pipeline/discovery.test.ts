import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryCache, sealCache } from '../../src/cache/index.js';
import { GatewayError, vendorUnavailable } from '../../src/errors/index.js';
import { createDiscovery, discoveryPaths, rewriteMetadata } from '../../src/pipeline/discovery.js';

const ENDPOINT = 'https://idp.example/dcr/register';

describe('rewriteMetadata', () => {
  it('sets registration_endpoint and leaves every other member as the IdP wrote it', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string().filter((key) => key !== 'registration_endpoint' && key !== '__proto__'),
          fc.jsonValue(),
        ),
        fc.boolean(),
        (document, publicClients) => {
          const rewritten = rewriteMetadata(document, {
            registrationEndpoint: ENDPOINT,
            publicClients,
          });
          expect(rewritten.registration_endpoint).toBe(ENDPOINT);
          for (const [key, value] of Object.entries(document))
            if (key !== 'token_endpoint_auth_methods_supported' || !publicClients)
              expect(rewritten[key]).toStrictEqual(value);
        },
      ),
    );
  });

  it('adds none to the auth methods only for a backend that registers public clients', () => {
    const document = {
      issuer: 'https://idp.example',
      registration_endpoint: 'https://idp.example/reg',
      token_endpoint_auth_methods_supported: ['client_secret_basic'],
    };
    expect(
      rewriteMetadata(document, { registrationEndpoint: ENDPOINT, publicClients: true }),
    ).toStrictEqual({
      issuer: 'https://idp.example',
      registration_endpoint: ENDPOINT,
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'none'],
    });
    expect(
      rewriteMetadata(document, { registrationEndpoint: ENDPOINT, publicClients: false }),
    ).toStrictEqual({
      ...document,
      registration_endpoint: ENDPOINT,
    });
    // RFC 8414 §2: no list means client_secret_basic; LemonLDAP::NG has no registration endpoint.
    expect(
      rewriteMetadata({ issuer: 'x' }, { registrationEndpoint: ENDPOINT, publicClients: true }),
    ).toStrictEqual({
      issuer: 'x',
      registration_endpoint: ENDPOINT,
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'none'],
    });
  });
});

describe('discoveryPaths', () => {
  it('at the root: the two well-known documents', () => {
    expect(discoveryPaths('')).toStrictEqual({
      served: ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'],
      upstream: ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'],
    });
  });

  it('with a path: appended (OIDC) and inserted (RFC 8414 §3.1)', () => {
    expect(discoveryPaths('/realms/a')).toStrictEqual({
      served: [
        '/realms/a/.well-known/openid-configuration',
        '/.well-known/oauth-authorization-server/realms/a',
        '/.well-known/openid-configuration/realms/a',
      ],
      upstream: [
        '/realms/a/.well-known/openid-configuration',
        '/.well-known/oauth-authorization-server/realms/a',
      ],
    });
  });
});

describe('createDiscovery', () => {
  const setup = (answers: ((path: string) => Record<string, unknown> | undefined)[]) => {
    const clock = { now: 1_000_000 };
    const fetched: string[] = [];
    let call = 0;
    const mismatches: unknown[] = [];
    const discovery = createDiscovery({
      site: 's',
      fetch: async (path) => {
        fetched.push(path);
        return answers[Math.min(call++, answers.length - 1)]!(path);
      },
      upstreamPaths: ['/oidc', '/oauth'],
      cache: sealCache(createMemoryCache(), new Uint8Array(32)),
      ttlSeconds: 60,
      staleSeconds: 600,
      registrationEndpoint: ENDPOINT,
      publicClients: false,
      issuer: 'https://idp.example',
      onIssuerMismatch: (stated) => mismatches.push(stated),
      now: () => clock.now,
    });
    return { clock, fetched, discovery, mismatches };
  };
  const doc = (version: number) => () => ({ issuer: 'https://idp.example', version });
  const failing = () => {
    throw vendorUnavailable('down');
  };

  it('fetches once per TTL; concurrent misses share one fetch', async () => {
    const { clock, fetched, discovery } = setup([doc(1), doc(2)]);
    const first = await Promise.all([discovery(), discovery(), discovery()]);
    expect(first).toStrictEqual(
      Array(3).fill({ issuer: 'https://idp.example', version: 1, registration_endpoint: ENDPOINT }),
    );
    clock.now += 59_000;
    expect((await discovery()).version).toBe(1);
    clock.now += 1_000;
    expect((await discovery()).version).toBe(2);
    expect(fetched).toStrictEqual(['/oidc', '/oidc']);
  });

  it('tells when the IdP names another issuer, and serves its document untouched', async () => {
    const { discovery, mismatches } = setup([() => ({ issuer: 'https://other.example' })]);
    expect(await discovery()).toStrictEqual({
      issuer: 'https://other.example',
      registration_endpoint: ENDPOINT,
    });
    expect(mismatches).toStrictEqual(['https://other.example']);
  });

  it('tries the next path where the IdP has no document', async () => {
    const { fetched, discovery } = setup([() => undefined, doc(1)]);
    expect((await discovery()).version).toBe(1);
    expect(fetched).toStrictEqual(['/oidc', '/oauth']);
  });

  it('serves stale within the bound while the IdP fails, then 503', async () => {
    const { clock, discovery } = setup([doc(1), failing]);
    await discovery();
    clock.now += 60_000 + 599_000;
    expect((await discovery()).version).toBe(1);
    clock.now += 1_000;
    const error = await discovery().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({
      code: 'backend_unavailable',
      status: 503,
      description: 'the identity provider metadata is unavailable',
      detail: 'down',
    });
  });

  it('does not refetch within a second of a failure', async () => {
    const { clock, fetched, discovery } = setup([failing, doc(1)]);
    await expect(discovery()).rejects.toMatchObject({ code: 'backend_unavailable' });
    await expect(discovery()).rejects.toMatchObject({ code: 'backend_unavailable' });
    expect(fetched).toStrictEqual(['/oidc']);
    clock.now += 1_000;
    expect((await discovery()).version).toBe(1);
  });
});
