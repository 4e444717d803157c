import { describe, expect, it } from 'vitest';
import { normalizeClient } from '../../src/dcr/index.js';
import { GatewayError } from '../../src/errors/index.js';

const none = new Set<string>();
const DEFAULTS = {
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  application_type: 'web',
};

describe('normalizeClient', () => {
  it('puts the issued members first, fills defaults and a secret expiry', () => {
    const client = normalizeClient(
      { redirect_uris: ['https://a.example/cb'], client_secret: 's', client_id: 'c' },
      none,
    );
    expect(client).toStrictEqual({
      client_id: 'c',
      client_secret: 's',
      client_secret_expires_at: 0,
      redirect_uris: ['https://a.example/cb'],
      ...DEFAULTS,
    });
    expect(Object.keys(client).slice(0, 3)).toStrictEqual([
      'client_id',
      'client_secret',
      'client_secret_expires_at',
    ]);
  });

  it('coerces vendor spellings and drops what is empty, unknown or unreadable', () => {
    expect(
      normalizeClient(
        {
          client_id: 'c',
          client_id_issued_at: '1732270000',
          client_secret: 's',
          client_secret_expires_at: '2026-12-01T00:00:00Z',
          scope: ['openid', 'email'],
          require_auth_time: 'false',
          default_max_age: '3600',
          grant_types: 'authorization_code',
          logo_uri: '',
          tos_uri: null,
          policy_uri: 'ftp://not-a-web-uri',
          client_name: 'App',
          'client_name#de': 'Anwendung',
          vendor_internal: 'x',
          registration_access_token: 'vendor-rat',
          registration_client_uri: 'https://idp.example/reg/c',
        },
        none,
      ),
    ).toStrictEqual({
      client_id: 'c',
      client_secret: 's',
      client_id_issued_at: 1732270000,
      client_secret_expires_at: 1796083200,
      scope: 'openid email',
      require_auth_time: false,
      default_max_age: 3600,
      grant_types: ['authorization_code'],
      client_name: 'App',
      'client_name#de': 'Anwendung',
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      application_type: 'web',
    });
  });

  it('passes declared extensions, echoes redirect URIs byte for byte, issues no expiry without a secret', () => {
    const uris = ['http://127.0.0.1/', 'https://A.example/cb/', 'cursor://cb'];
    const client = normalizeClient(
      {
        client_id: 'c',
        redirect_uris: uris,
        client_secret_expires_at: 0,
        theme_id: 't1',
        token_endpoint_auth_method: 'none',
      },
      new Set(['theme_id']),
    );
    expect(client.redirect_uris).toStrictEqual(uris);
    expect(client.theme_id).toBe('t1');
    expect('client_secret_expires_at' in client).toBe(false);
  });

  it.each([[{}], [{ client_id: '' }], [{ client_id: 42 }], [{ client_id: 'bad\u0000id' }]])(
    'refuses a client without a usable client_id: %j',
    (record) => {
      const error = (() => {
        try {
          normalizeClient(record, none);
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(GatewayError);
      expect((error as GatewayError).code).toBe('backend_bad_response');
    },
  );
});
