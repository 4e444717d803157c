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
  it('puts the issued members first, in RFC 7591 §3.2.1 order, then the metadata', () => {
    const client = normalizeClient(
      {
        redirect_uris: ['https://a.example/cb'],
        client_secret_expires_at: 0,
        client_id_issued_at: 1732270000,
        client_secret: 's',
        client_id: 'c',
      },
      none,
    );
    expect(client).toStrictEqual({
      client_id: 'c',
      client_secret: 's',
      client_id_issued_at: 1732270000,
      client_secret_expires_at: 0,
      redirect_uris: ['https://a.example/cb'],
      ...DEFAULTS,
    });
    expect(Object.keys(client)).toStrictEqual([
      'client_id',
      'client_secret',
      'client_id_issued_at',
      'client_secret_expires_at',
      'redirect_uris',
      'grant_types',
      'response_types',
      'token_endpoint_auth_method',
      'application_type',
    ]);
  });

  it('fills the RFC defaults, derived from each other like on create', () => {
    expect(normalizeClient({ client_id: 'c' }, none)).toStrictEqual({
      client_id: 'c',
      ...DEFAULTS,
    });
    expect(
      normalizeClient(
        { client_id: 'c', client_secret: 's', grant_types: ['client_credentials'] },
        none,
      ),
    ).toStrictEqual({
      client_id: 'c',
      client_secret: 's',
      client_secret_expires_at: 0,
      grant_types: ['client_credentials'],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
      application_type: 'web',
    });
  });

  it('turns numeric strings into numbers and ISO dates into epoch seconds', () => {
    expect(
      normalizeClient(
        {
          client_id: 'c',
          client_secret: 's',
          client_id_issued_at: '1732270000',
          client_secret_expires_at: '2026-12-01T00:00:00Z',
          default_max_age: '3600',
        },
        none,
      ),
    ).toStrictEqual({
      client_id: 'c',
      client_secret: 's',
      client_id_issued_at: 1732270000,
      client_secret_expires_at: 1796083200,
      default_max_age: 3600,
      ...DEFAULTS,
    });
  });

  it('does not convert milliseconds (mappings do, where a vendor sends them)', () => {
    expect(
      normalizeClient(
        {
          client_id: 'c',
          client_secret: 's',
          client_id_issued_at: 1732270000000,
          client_secret_expires_at: '1796083200000',
        },
        none,
      ),
    ).toStrictEqual({
      client_id: 'c',
      client_secret: 's',
      client_id_issued_at: 1732270000000,
      client_secret_expires_at: 1796083200000,
      ...DEFAULTS,
    });
  });

  it.each([
    [undefined, 0],
    [null, 0],
    ['', 0],
    ['never', 0],
    [-1, 0],
    [0, 0],
    ['0', 0],
    [1796083200.9, 1796083200],
  ])('reads a secret expiry of %j as %j', (raw, expected) => {
    const client = normalizeClient(
      { client_id: 'c', client_secret: 's', client_secret_expires_at: raw },
      none,
    );
    expect(client.client_secret_expires_at).toBe(expected);
  });

  it('reads the usual vendor spellings of scope, booleans, numbers and lists', () => {
    expect(
      normalizeClient(
        {
          client_id: 'c',
          scope: ['openid', 'email'],
          require_auth_time: 'false',
          dpop_bound_access_tokens: 'true',
          default_max_age: '0',
          grant_types: 'authorization_code',
          redirect_uris: 'https://a.example/cb',
          contacts: 'ops@a.example',
          response_types: ['code', 'code'],
          id_token_signed_response_alg: 'rs256',
        },
        none,
      ),
    ).toStrictEqual({
      client_id: 'c',
      scope: 'openid email',
      require_auth_time: false,
      dpop_bound_access_tokens: true,
      default_max_age: 0,
      grant_types: ['authorization_code'],
      redirect_uris: ['https://a.example/cb'],
      contacts: ['ops@a.example'],
      response_types: ['code'],
      id_token_signed_response_alg: 'RS256',
      token_endpoint_auth_method: 'client_secret_basic',
      application_type: 'web',
    });
  });

  it('drops null, "" and members it cannot read, and fills the defaults they leave open', () => {
    expect(
      normalizeClient(
        {
          client_id: 'c',
          logo_uri: '',
          tos_uri: null,
          client_uri: undefined,
          contacts: ['not an address'],
          policy_uri: 'ftp://not-a-web-uri',
          require_auth_time: 'yes',
          default_max_age: 'soon',
          scope: [],
          grant_types: null,
          token_endpoint_auth_method: '',
          application_type: 'desktop',
          jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] },
          'client_name#de': '',
        },
        none,
      ),
    ).toStrictEqual({ client_id: 'c', ...DEFAULTS });
  });

  it('drops non-standard and vendor-issued members, passes the declared extensions', () => {
    expect(
      normalizeClient(
        {
          client_id: 'c',
          client_name: 'App',
          'client_name#de': 'Anwendung',
          'client_name#bad tag': 'dropped',
          'scope#de': 'dropped',
          theme_id: 't1',
          vendor_internal: 'x',
          registration_access_token: 'vendor-rat',
          registration_client_uri: 'https://idp.example/reg/c',
          software_statement: 'eyJ...',
          tenant: null,
        },
        new Set(['theme_id', 'tenant']),
      ),
    ).toStrictEqual({
      client_id: 'c',
      client_name: 'App',
      'client_name#de': 'Anwendung',
      theme_id: 't1',
      ...DEFAULTS,
    });
  });

  it('echoes redirect URIs byte for byte', () => {
    const uris = [
      'http://127.0.0.1/',
      'http://127.0.0.1:33418',
      'https://a.example/cb/',
      'https://a.example/cb?b=2&a=1',
      'cursor://cb',
      'com.example.app:/oauth2redirect',
    ];
    expect(
      normalizeClient({ client_id: 'c', redirect_uris: uris }, none).redirect_uris,
    ).toStrictEqual(uris);
  });

  describe('client_secret and client_secret_expires_at', () => {
    it('adds an expiry of 0 when a secret has none, and keeps a given one', () => {
      expect(normalizeClient({ client_id: 'c', client_secret: 's' }, none)).toMatchObject({
        client_secret: 's',
        client_secret_expires_at: 0,
      });
      expect(
        normalizeClient(
          { client_id: 'c', client_secret: 's', client_secret_expires_at: 1796083200 },
          none,
        ),
      ).toMatchObject({ client_secret: 's', client_secret_expires_at: 1796083200 });
    });

    it.each([
      [{ client_secret_expires_at: 0 }],
      [{ client_secret: '', client_secret_expires_at: 0 }],
      [{ client_secret: null, client_secret_expires_at: 1796083200 }],
      [{ client_secret: 42, client_secret_expires_at: 0 }],
    ])('removes the expiry without a usable secret: %j', (record) => {
      const client = normalizeClient({ client_id: 'c', ...record }, none);
      expect(client).toStrictEqual({ client_id: 'c', ...DEFAULTS });
    });

    it('withholds a secret the vendor issued to a public (none) client', () => {
      expect(
        normalizeClient(
          {
            client_id: 'c',
            client_secret: 's',
            client_secret_expires_at: 0,
            token_endpoint_auth_method: 'none',
          },
          none,
        ),
      ).toStrictEqual({ client_id: 'c', ...DEFAULTS, token_endpoint_auth_method: 'none' });
    });

    it.each([
      ['id_token_signed_response_alg', 'HS256'],
      ['userinfo_signed_response_alg', 'HS512'],
      ['id_token_encrypted_response_alg', 'dir'],
      ['request_object_encryption_alg', 'A128KW'],
      ['userinfo_encrypted_response_alg', 'A256GCMKW'],
      ['id_token_encrypted_response_alg', 'PBES2-HS256+A128KW'],
    ])('keeps the secret of a none client whose %s %s is keyed with it', (field, alg) => {
      expect(
        normalizeClient(
          { client_id: 'c', client_secret: 's', token_endpoint_auth_method: 'none', [field]: alg },
          none,
        ),
      ).toMatchObject({ client_secret: 's', client_secret_expires_at: 0 });
    });

    it('withholds it when the algorithms are asymmetric', () => {
      expect(
        normalizeClient(
          {
            client_id: 'c',
            client_secret: 's',
            token_endpoint_auth_method: 'none',
            id_token_signed_response_alg: 'RS256',
            id_token_encrypted_response_alg: 'RSA-OAEP',
          },
          none,
        ).client_secret,
      ).toBeUndefined();
    });
  });

  it.each([
    [{}],
    [{ client_id: '' }],
    [{ client_id: null }],
    [{ client_id: 42 }],
    [{ client_id: ['c'] }],
    [{ client_id: 'bad\u0000id' }],
    [{ client_id: 'caf\u00e9' }],
  ])('refuses a client without a usable client_id: %j', (record) => {
    let thrown: unknown;
    try {
      normalizeClient(record, none);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GatewayError);
    const error = thrown as GatewayError;
    expect({
      code: error.code,
      status: error.status,
      description: error.description,
      detail: error.detail,
    }).toStrictEqual({
      code: 'backend_bad_response',
      status: 502,
      description: 'the identity provider sent an unusable response',
      detail: 'client_id missing or not printable ASCII',
    });
  });
});
