import { describe, expect, it } from 'vitest';
import {
  applyDefaults,
  applyPolicy,
  type Capabilities,
  type Metadata,
  type RegistrationMode,
} from '../../src/dcr/index.js';
import { refusal as refusalOf } from '../support/refusal.js';

const ALL: Capabilities = {
  grant_types: [
    'authorization_code',
    'implicit',
    'refresh_token',
    'client_credentials',
    'password',
  ],
  response_types: ['code', 'id_token', 'token', 'code id_token', 'id_token token', 'none'],
  token_endpoint_auth_methods: [
    'client_secret_basic',
    'client_secret_post',
    'client_secret_jwt',
    'private_key_jwt',
    'tls_client_auth',
    'self_signed_tls_client_auth',
    'none',
  ],
};
const WEB = { redirect_uris: ['https://a.example/cb'] };
const DEFAULTS = {
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  application_type: 'web',
};
const IMPLICIT = { grant_types: ['implicit'], response_types: ['id_token'] };
const JWKS_URI = 'https://a.example/jwks';

/** RFC 6749 §5.2: what an error_description may contain. */
const DESCRIPTION_CHARSET = /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/;

const refusalIn = (mode: RegistrationMode, metadata: Metadata, capabilities = ALL) => {
  const refused = refusalOf(() => applyPolicy(metadata, capabilities, mode));
  expect(refused.description).toMatch(DESCRIPTION_CHARSET);
  return refused;
};
/** The refusal of both modes, which must agree: substitution cannot fix what is refused here. */
const refusal = (metadata: Metadata, capabilities = ALL) => {
  const strict = refusalIn('strict', metadata, capabilities);
  expect(refusalIn('substitute', metadata, capabilities)).toStrictEqual(strict);
  return strict;
};
/** What both modes register, which must agree: nothing here needs substituting. */
const registered = (metadata: Metadata, capabilities = ALL) => {
  const strict = applyPolicy(metadata, capabilities, 'strict');
  expect(applyPolicy(metadata, capabilities)).toStrictEqual(strict);
  return strict;
};
const metadataError = (description: string) => ({ code: 'invalid_client_metadata', description });
const redirectError = (description: string) => ({ code: 'invalid_redirect_uri', description });

describe('defaults (RFC 7591 §2, OIDC Registration §2)', () => {
  it('fills grant_types, response_types, token_endpoint_auth_method and application_type', () => {
    expect(registered(WEB, ALL)).toStrictEqual({ ...WEB, ...DEFAULTS });
  });

  it('keeps what was sent', () => {
    const sent = {
      redirect_uris: ['http://127.0.0.1:33418/'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
      scope: 'mcp:tools',
    };
    expect(registered(sent, ALL)).toStrictEqual(sent);
  });

  it.each([
    [{ grant_types: ['client_credentials'] }, { response_types: [] }],
    [{ grant_types: ['authorization_code', 'refresh_token'] }, { response_types: ['code'] }],
    [{ grant_types: [] }, { response_types: [] }],
    [{ response_types: ['code'] }, { grant_types: ['authorization_code'] }],
    [{ response_types: ['id_token'] }, { grant_types: ['implicit'] }],
    [{ response_types: ['id_token token'] }, { grant_types: ['implicit'] }],
    [{ response_types: ['code id_token'] }, { grant_types: ['authorization_code', 'implicit'] }],
    [{ response_types: [] }, { grant_types: [] }],
    [{ response_types: ['none'] }, { grant_types: [] }],
  ])('derives the missing type list from %j', (sent, derived) => {
    expect(applyDefaults(sent)).toStrictEqual({
      ...sent,
      ...derived,
      token_endpoint_auth_method: 'client_secret_basic',
      application_type: 'web',
    });
  });

  it('registers a client_credentials client with no redirect URIs and no response types', () => {
    expect(registered({ grant_types: ['client_credentials'] }, ALL)).toStrictEqual({
      grant_types: ['client_credentials'],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
      application_type: 'web',
    });
  });

  it('leaves its input untouched', () => {
    const input = { ...WEB, tls_client_auth_san_dns: 'a.example' };
    const copy = structuredClone(input);
    registered(input, ALL);
    expect(input).toStrictEqual(copy);
  });
});

describe('grant and response types', () => {
  it.each([
    [
      { ...WEB, grant_types: ['refresh_token'], response_types: ['code'] },
      'grant_types must contain authorization_code when response_types contains code',
    ],
    [
      { ...WEB, grant_types: ['authorization_code'], response_types: ['id_token'] },
      'grant_types must contain implicit when response_types contains token or id_token',
    ],
    [
      { ...WEB, grant_types: ['authorization_code'], response_types: ['code token'] },
      'grant_types must contain implicit when response_types contains token or id_token',
    ],
    [
      { ...WEB, grant_types: ['authorization_code'], response_types: [] },
      'response_types must contain code when grant_types contains authorization_code',
    ],
    [
      { ...WEB, grant_types: ['implicit'], response_types: ['none'] },
      'response_types must contain token or id_token when grant_types contains implicit',
    ],
    [
      { ...WEB, grant_types: ['implicit'] },
      'response_types must contain token or id_token when grant_types contains implicit',
    ],
    [{ grant_types: ['password'] }, 'grant_types must not contain password (RFC 9700 section 2.4)'],
    [
      { ...WEB, grant_types: ['authorization_code', 'password'] },
      'grant_types must not contain password (RFC 9700 section 2.4)',
    ],
    [
      { grant_types: ['client_credentials'], token_endpoint_auth_method: 'none' },
      'grant_types client_credentials needs a token_endpoint_auth_method other than none',
    ],
  ])('refuses %j', (metadata, description) => {
    expect(refusal(metadata)).toStrictEqual(metadataError(description));
  });

  it.each([
    [{ grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_post' }],
    [
      {
        ...WEB,
        grant_types: ['authorization_code', 'implicit'],
        response_types: ['code id_token'],
      },
    ],
    [{ ...WEB, grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] }],
    [{ ...WEB, grant_types: ['authorization_code'], response_types: ['code', 'none'] }],
  ])('accepts %j', (metadata) => {
    expect(registered(metadata, ALL)).toMatchObject(metadata);
  });
});

describe('redirect URIs by application type', () => {
  it.each([
    ['web', 'https://a.example/cb'],
    ['web', 'https://a.example:8443/cb?x=1'],
    ['web', 'http://localhost:8080/cb'],
    ['web', 'http://127.0.0.1/'],
    ['web', 'http://[::1]:5000/cb'],
    ['native', 'http://127.0.0.1/'],
    ['native', 'http://127.0.0.1:33418/'],
    ['native', 'http://localhost:61234/callback'],
    ['native', 'http://[::1]/cb'],
    ['native', 'https://vscode.dev/redirect'],
    ['native', 'cursor://cb'],
    ['native', 'cursor://anysphere.cursor-retrieval/oauth/callback'],
    ['native', 'com.example.app:/oauth2redirect'],
    ['native', 'vscode://vscode.github-authentication/did-authenticate'],
  ])('%s accepts %s', (application_type, uri) => {
    expect(registered({ redirect_uris: [uri], application_type }, ALL)).toStrictEqual({
      ...DEFAULTS,
      redirect_uris: [uri],
      application_type,
    });
  });

  const HTTP_LOOPBACK_ONLY =
    'redirect_uris may use http only on a loopback host (localhost, 127.0.0.1, [::1])';
  const NOT_PRIVATE_USE =
    'redirect_uris of native clients must use loopback http, https or a private-use scheme (RFC 8252 section 7)';
  it.each([
    ['web', 'http://a.example/cb', HTTP_LOOPBACK_ONLY],
    ['web', 'http://127.0.0.2/cb', HTTP_LOOPBACK_ONLY],
    ['native', 'http://a.example/cb', HTTP_LOOPBACK_ONLY],
    ['native', 'http://10.0.0.1:8080/cb', HTTP_LOOPBACK_ONLY],
    ...['ftp://a.example/cb', 'ws://127.0.0.1/cb', 'wss://a.example/cb', 'mailto:me@a.example']
      .concat(['chrome://settings', 'chrome-extension://abc/cb', 'tel:+15551234', 'urn:x:y'])
      .map((uri): [string, string, string] => ['native', uri, NOT_PRIVATE_USE]),
  ])('%s refuses %s', (application_type, uri, description) => {
    expect(refusal({ redirect_uris: [uri], application_type })).toStrictEqual(
      redirectError(description),
    );
  });

  // Substitute mode registers these as native clients (see "inferring a native client").
  it.each(['com.example.app:/cb', 'cursor://cb'])('web refuses %s in strict mode', (uri) => {
    expect(refusalIn('strict', { redirect_uris: [uri], application_type: 'web' })).toStrictEqual(
      redirectError(
        'redirect_uris of web clients must use https (private-use schemes need application_type native)',
      ),
    );
  });

  it('refuses the whole list when one URI is refused', () => {
    expect(
      refusal({ redirect_uris: ['https://a.example/cb', 'http://a.example/cb'] }),
    ).toStrictEqual(redirectError(HTTP_LOOPBACK_ONLY));
  });

  it.each([
    'https://localhost/cb',
    'https://127.0.0.1/cb',
    'https://[::1]/cb',
    'http://127.0.0.1/cb',
  ])('holds web clients using implicit to https off loopback: refuses %s', (uri) => {
    expect(refusal({ ...IMPLICIT, redirect_uris: [uri] })).toStrictEqual(
      redirectError(
        'redirect_uris of web clients using implicit must be https and not on a loopback host',
      ),
    );
  });

  it('lets web clients use implicit with https off loopback, and native clients on loopback', () => {
    expect(registered({ ...IMPLICIT, redirect_uris: ['https://a.example/cb'] }, ALL)).toMatchObject(
      IMPLICIT,
    );
    expect(
      registered(
        { ...IMPLICIT, application_type: 'native', redirect_uris: ['http://127.0.0.1/cb'] },
        ALL,
      ),
    ).toMatchObject(IMPLICIT);
  });

  it.each([[{}], [{ redirect_uris: [] }], [IMPLICIT], [{ response_types: ['code'] }]])(
    'requires redirect URIs for the redirect grants: %j',
    (metadata) => {
      expect(refusal(metadata)).toStrictEqual(
        redirectError('redirect_uris are required for the authorization_code and implicit grants'),
      );
    },
  );

  it('needs no redirect URI without a redirect grant', () => {
    expect(registered({ grant_types: ['client_credentials'] }, ALL).redirect_uris).toBeUndefined();
  });
});

describe('client keys and token endpoint authentication', () => {
  const JWKS = {
    keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }],
  };

  it.each([
    [{ ...WEB, jwks: JWKS, jwks_uri: JWKS_URI }, 'jwks must not be sent together with jwks_uri'],
    [
      { ...WEB, token_endpoint_auth_method: 'private_key_jwt' },
      'token_endpoint_auth_method private_key_jwt needs jwks or jwks_uri',
    ],
    [
      { ...WEB, token_endpoint_auth_method: 'self_signed_tls_client_auth' },
      'token_endpoint_auth_method self_signed_tls_client_auth needs jwks or jwks_uri',
    ],
    [
      { ...WEB, token_endpoint_auth_signing_alg: 'none' },
      'token_endpoint_auth_signing_alg must not be none',
    ],
    [
      {
        ...WEB,
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: JWKS,
        token_endpoint_auth_signing_alg: 'none',
      },
      'token_endpoint_auth_signing_alg must not be none',
    ],
    [
      {
        ...WEB,
        token_endpoint_auth_method: 'client_secret_jwt',
        token_endpoint_auth_signing_alg: 'RS256',
      },
      'token_endpoint_auth_signing_alg must be an HS algorithm for client_secret_jwt',
    ],
    [
      {
        ...WEB,
        token_endpoint_auth_method: 'client_secret_jwt',
        token_endpoint_auth_signing_alg: 'EdDSA',
      },
      'token_endpoint_auth_signing_alg must be an HS algorithm for client_secret_jwt',
    ],
    [
      {
        ...WEB,
        token_endpoint_auth_method: 'private_key_jwt',
        jwks_uri: JWKS_URI,
        token_endpoint_auth_signing_alg: 'HS256',
      },
      'token_endpoint_auth_signing_alg must be asymmetric for private_key_jwt',
    ],
  ])('refuses %j', (metadata, description) => {
    expect(refusal(metadata as Metadata)).toStrictEqual(metadataError(description));
  });

  it.each([
    [{ ...WEB, token_endpoint_auth_method: 'private_key_jwt', jwks: JWKS }],
    [
      {
        ...WEB,
        token_endpoint_auth_method: 'private_key_jwt',
        jwks_uri: JWKS_URI,
        token_endpoint_auth_signing_alg: 'ES256',
      },
    ],
    [{ ...WEB, token_endpoint_auth_method: 'self_signed_tls_client_auth', jwks_uri: JWKS_URI }],
    [
      {
        ...WEB,
        token_endpoint_auth_method: 'client_secret_jwt',
        token_endpoint_auth_signing_alg: 'HS512',
      },
    ],
    [{ ...WEB, jwks_uri: JWKS_URI }],
  ])('accepts %j', (metadata) => {
    expect(registered(metadata as Metadata, ALL)).toStrictEqual({ ...DEFAULTS, ...metadata });
  });
});

describe('tls_client_auth (RFC 8705 §2.1.2)', () => {
  const TLS = { ...WEB, token_endpoint_auth_method: 'tls_client_auth' };
  const EXACTLY_ONE =
    'token_endpoint_auth_method tls_client_auth needs exactly one of tls_client_auth_subject_dn, tls_client_auth_san_dns, tls_client_auth_san_uri, tls_client_auth_san_ip, tls_client_auth_san_email';

  it.each([
    [TLS],
    [{ ...TLS, tls_client_auth_san_dns: 'a.example', tls_client_auth_san_ip: '192.0.2.1' }],
    [{ ...TLS, tls_client_auth_subject_dn: 'CN=app', tls_client_auth_san_email: 'a@a.example' }],
  ])('refuses %j', (metadata) => {
    expect(refusal(metadata)).toStrictEqual(metadataError(EXACTLY_ONE));
  });

  it.each([
    'tls_client_auth_subject_dn',
    'tls_client_auth_san_dns',
    'tls_client_auth_san_uri',
    'tls_client_auth_san_ip',
    'tls_client_auth_san_email',
  ])('keeps the one subject member %s', (field) => {
    expect(registered({ ...TLS, [field]: 'value' }, ALL)).toStrictEqual({
      ...DEFAULTS,
      ...TLS,
      [field]: 'value',
    });
  });

  it('drops subject members under other methods', () => {
    expect(
      registered(
        { ...WEB, tls_client_auth_subject_dn: 'CN=app', tls_client_auth_san_dns: 'a.example' },
        ALL,
      ),
    ).toStrictEqual({ ...DEFAULTS, ...WEB });
  });
});

describe('proof of possession', () => {
  it('refuses both proof-of-possession flags at once', () => {
    expect(
      refusal({
        ...WEB,
        tls_client_certificate_bound_access_tokens: true,
        dpop_bound_access_tokens: true,
      }),
    ).toStrictEqual(
      metadataError(
        'dpop_bound_access_tokens must not be true together with tls_client_certificate_bound_access_tokens',
      ),
    );
  });

  it.each(['dpop_bound_access_tokens', 'tls_client_certificate_bound_access_tokens'])(
    'refuses %s with response type token',
    (flag) => {
      expect(
        refusal({
          ...WEB,
          grant_types: ['implicit'],
          response_types: ['id_token token'],
          [flag]: true,
        }),
      ).toStrictEqual(metadataError(`response_types must not contain token when ${flag} is true`));
    },
  );

  it('accepts one flag, or both when false', () => {
    const one = {
      ...WEB,
      dpop_bound_access_tokens: true,
      tls_client_certificate_bound_access_tokens: false,
    };
    expect(registered(one, ALL)).toStrictEqual({ ...DEFAULTS, ...one });
    const implicit = { ...WEB, ...IMPLICIT, dpop_bound_access_tokens: true };
    expect(registered(implicit, ALL)).toStrictEqual({ ...DEFAULTS, ...implicit });
  });
});

describe('capabilities', () => {
  const narrow: Capabilities = {
    grant_types: ['authorization_code', 'implicit'],
    response_types: ['code', 'code id_token'],
    token_endpoint_auth_methods: ['client_secret_basic'],
  };

  it.each([
    [
      { ...WEB, token_endpoint_auth_method: 'none' },
      'token_endpoint_auth_method value none is not supported by this identity provider (supported: client_secret_basic)',
    ],
    [
      { grant_types: ['client_credentials'] },
      'grant_types value client_credentials is not supported by this identity provider (supported: authorization_code, implicit)',
    ],
  ])('refuses %j in both modes, naming what the backend supports', (metadata, description) => {
    expect(refusal(metadata, narrow)).toStrictEqual(metadataError(description));
  });

  it.each([
    [
      {
        ...WEB,
        grant_types: [
          'authorization_code',
          'refresh_token',
          'urn:ietf:params:oauth:grant-type:device_code',
        ],
      },
      'grant_types value refresh_token, urn:ietf:params:oauth:grant-type:device_code is not supported by this identity provider (supported: authorization_code, implicit)',
      { grant_types: ['authorization_code'] },
    ],
    [
      {
        ...WEB,
        grant_types: ['authorization_code', 'implicit'],
        response_types: ['code', 'id_token'],
      },
      'response_types value id_token is not supported by this identity provider (supported: code, code id_token)',
      { grant_types: ['authorization_code'], response_types: ['code'] },
    ],
  ])(
    'strict refuses %j, naming what the backend supports; substitute drops it',
    (metadata, description, substituted) => {
      expect(refusalIn('strict', metadata, narrow)).toStrictEqual(metadataError(description));
      expect(applyPolicy(metadata, narrow)).toStrictEqual({
        ...DEFAULTS,
        ...metadata,
        ...substituted,
      });
    },
  );

  it('says so when the backend supports no value at all, without listing "none"', () => {
    expect(
      refusal(
        { grant_types: ['client_credentials'], response_types: ['none'] },
        {
          ...ALL,
          response_types: [],
        },
      ),
    ).toStrictEqual(
      metadataError(
        'response_types value none is not supported by this identity provider (it supports no response_types)',
      ),
    );
  });

  it('compares response types as sets of words and keeps the spelling sent', () => {
    const metadata = {
      ...WEB,
      grant_types: ['authorization_code', 'implicit'],
      response_types: ['id_token code'],
    };
    expect(registered(metadata, narrow)).toStrictEqual({ ...DEFAULTS, ...metadata });
  });

  it('refuses the password grant even where the backend supports it', () => {
    expect(ALL.grant_types).toContain('password');
    expect(refusal({ grant_types: ['password'], response_types: [] })).toStrictEqual(
      metadataError('grant_types must not contain password (RFC 9700 section 2.4)'),
    );
  });
});

describe('registration mode', () => {
  it('substitutes by default', () => {
    const vscode = {
      ...WEB,
      grant_types: ['authorization_code', 'urn:ietf:params:oauth:grant-type:device_code'],
    };
    const capabilities = { ...ALL, grant_types: ['authorization_code'] };
    expect(applyPolicy(vscode, capabilities)).toStrictEqual(
      applyPolicy(vscode, capabilities, 'substitute'),
    );
    expect(applyPolicy(vscode, capabilities).grant_types).toStrictEqual(['authorization_code']);
  });
});

/** The standard backend of the sandbox: no implicit, no device_code. */
const STANDARD: Capabilities = {
  grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
  response_types: ['code', 'none'],
  token_endpoint_auth_methods: ['client_secret_basic', 'client_secret_post', 'none'],
};

describe('substituting grant and response types (RFC 7591 §2, §2.1)', () => {
  it.each([
    [
      'VS Code without device_code',
      {
        ...WEB,
        grant_types: [
          'authorization_code',
          'refresh_token',
          'urn:ietf:params:oauth:grant-type:device_code',
        ],
        token_endpoint_auth_method: 'none',
      },
      STANDARD,
      { grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] },
      'grant_types value urn:ietf:params:oauth:grant-type:device_code is not supported by this identity provider (supported: authorization_code, refresh_token, client_credentials)',
    ],
    [
      'a hybrid response type without implicit',
      {
        ...WEB,
        grant_types: ['authorization_code', 'implicit', 'refresh_token'],
        response_types: ['code', 'code id_token'],
      },
      { ...ALL, grant_types: ['authorization_code', 'refresh_token'] },
      { grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] },
      'grant_types value implicit is not supported by this identity provider (supported: authorization_code, refresh_token)',
    ],
    [
      'an unsupported response type, spelled in another order',
      {
        ...WEB,
        grant_types: ['authorization_code', 'implicit'],
        response_types: ['id_token code', 'code', 'token'],
      },
      { ...ALL, response_types: ['code', 'code id_token'] },
      {
        grant_types: ['authorization_code', 'implicit'],
        response_types: ['id_token code', 'code'],
      },
      'response_types value token is not supported by this identity provider (supported: code, code id_token)',
    ],
    [
      'implicit next to the code flow',
      {
        ...WEB,
        grant_types: ['implicit', 'authorization_code'],
        response_types: ['id_token', 'code'],
      },
      STANDARD,
      { grant_types: ['authorization_code'], response_types: ['code'] },
      'grant_types value implicit is not supported by this identity provider (supported: authorization_code, refresh_token, client_credentials)',
    ],
    [
      'a service client asking for an unsupported extra grant',
      { grant_types: ['client_credentials', 'urn:ietf:params:oauth:grant-type:jwt-bearer'] },
      STANDARD,
      { grant_types: ['client_credentials'], response_types: [] },
      'grant_types value urn:ietf:params:oauth:grant-type:jwt-bearer is not supported by this identity provider (supported: authorization_code, refresh_token, client_credentials)',
    ],
  ])(
    '%s: substitute registers what remains, strict refuses',
    (_name, metadata: Metadata, capabilities, substituted, description) => {
      const copy = structuredClone(metadata);
      expect(applyPolicy(metadata, capabilities)).toStrictEqual({
        ...DEFAULTS,
        ...metadata,
        ...substituted,
      });
      expect(metadata).toStrictEqual(copy);
      expect(refusalIn('strict', metadata, capabilities)).toStrictEqual(metadataError(description));
    },
  );

  it.each([
    [
      'no grant type remains',
      { grant_types: ['implicit'], response_types: ['id_token'] },
      STANDARD,
      'grant_types value implicit is not supported by this identity provider (supported: authorization_code, refresh_token, client_credentials)',
    ],
    [
      'the only response type needs the missing grant',
      { grant_types: ['authorization_code', 'implicit'], response_types: ['code id_token'] },
      { ...ALL, grant_types: ['authorization_code'] },
      'grant_types value implicit is not supported by this identity provider (supported: authorization_code)',
    ],
    [
      'no response type remains, only refresh_token',
      { grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] },
      { ...ALL, grant_types: ['refresh_token', 'client_credentials'] },
      'grant_types value authorization_code is not supported by this identity provider (supported: refresh_token, client_credentials)',
    ],
    [
      'only response type none remains',
      { grant_types: ['authorization_code'], response_types: ['code', 'none'] },
      { ...ALL, response_types: ['none'] },
      'response_types value code is not supported by this identity provider (supported: none)',
    ],
  ])('refuses in both modes when %s', (_name, sent, capabilities, description) => {
    expect(refusal({ ...WEB, ...sent }, capabilities)).toStrictEqual(metadataError(description));
  });

  it.each([
    [
      {
        grant_types: [
          'authorization_code',
          'password',
          'urn:ietf:params:oauth:grant-type:device_code',
        ],
      },
      'grant_types must not contain password (RFC 9700 section 2.4)',
    ],
    [
      {
        grant_types: ['refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
        response_types: ['code'],
      },
      'grant_types must contain authorization_code when response_types contains code',
    ],
    [
      {
        grant_types: ['client_credentials', 'urn:ietf:params:oauth:grant-type:device_code'],
        token_endpoint_auth_method: 'none',
      },
      'grant_types client_credentials needs a token_endpoint_auth_method other than none',
    ],
  ])('never repairs a request the RFCs refuse: %j', (sent, description) => {
    expect(refusal({ ...WEB, ...sent }, STANDARD)).toStrictEqual(metadataError(description));
  });
});

describe('inferring a native client (OIDC Registration §2, RFC 8252 §7)', () => {
  const CURSOR = [
    'cursor://anysphere.cursor-retrieval/oauth/user-callback',
    'https://app.example/cb',
    'http://localhost:8787/callback',
  ];
  const PRIVATE_USE =
    'redirect_uris of web clients must use https (private-use schemes need application_type native)';

  it.each([
    [CURSOR],
    [['com.example.app:/oauth2redirect']],
    [['vscode://vscode.github-authentication/did-authenticate']],
  ])(
    'substitute registers %j without application_type as native, strict refuses it',
    (redirect_uris) => {
      expect(applyPolicy({ redirect_uris }, ALL)).toStrictEqual({
        ...DEFAULTS,
        redirect_uris,
        application_type: 'native',
      });
      expect(refusalIn('strict', { redirect_uris })).toStrictEqual(redirectError(PRIVATE_USE));
    },
  );

  it('substitute registers a stated web client whose URIs only a native client may use as native', () => {
    const stated = { redirect_uris: CURSOR, application_type: 'web' };
    expect(applyPolicy(stated, ALL)).toStrictEqual({
      ...DEFAULTS,
      ...stated,
      application_type: 'native',
    });
    expect(refusalIn('strict', stated)).toStrictEqual(redirectError(PRIVATE_USE));
  });

  it.each<[string, Metadata, string]>([
    ['an implicit client', { ...IMPLICIT, redirect_uris: ['com.example.app:/cb'] }, PRIVATE_USE],
    [
      'URIs that no client may use',
      { redirect_uris: ['cursor://cb', 'http://a.example/cb'] },
      PRIVATE_USE,
    ],
    ...['ftp://a.example/cb', 'ws://localhost/cb', 'mailto:me@a.example', 'chrome://cb'].map(
      (uri): [string, Metadata, string] => [
        'a scheme that is not private-use',
        { redirect_uris: [uri] },
        PRIVATE_USE,
      ],
    ),
  ])('refuses %s in both modes', (_name, metadata, description) => {
    expect(refusal(metadata)).toStrictEqual(redirectError(description));
  });

  it.each([
    [{ redirect_uris: ['https://a.example/cb', 'http://127.0.0.1:33418/'] }],
    [{ grant_types: ['client_credentials'] }],
    [{ redirect_uris: CURSOR, application_type: 'native' }],
  ])('leaves the application type of %j as sent or defaulted', (metadata: Metadata) => {
    expect(registered(metadata).application_type).toBe(metadata.application_type ?? 'web');
  });
});

describe('scope allowlist', () => {
  const SCOPED: Capabilities = { ...ALL, scopes: ['openid', 'mcp:tools', 'offline_access'] };
  const UNKNOWN =
    'scope value admin is not supported by this identity provider (supported: openid, mcp:tools, offline_access)';

  it.each([
    ['openid admin mcp:tools', 'openid mcp:tools', UNKNOWN],
    ['admin', undefined, UNKNOWN],
    [
      'admin openid root',
      'openid',
      'scope value admin, root is not supported by this identity provider (supported: openid, mcp:tools, offline_access)',
    ],
  ])('substitute narrows %j to %j, strict refuses', (scope, substituted, description) => {
    const registeredScope = applyPolicy({ ...WEB, scope }, SCOPED);
    expect(registeredScope).toStrictEqual({
      ...DEFAULTS,
      ...WEB,
      ...(substituted === undefined ? {} : { scope: substituted }),
    });
    expect(refusalIn('strict', { ...WEB, scope }, SCOPED)).toStrictEqual(
      metadataError(description),
    );
  });

  it.each(['openid', 'mcp:tools  openid', 'offline_access openid mcp:tools'])(
    'keeps %j as sent when every value is known',
    (scope) => {
      expect(registered({ ...WEB, scope }, SCOPED).scope).toBe(scope);
    },
  );

  it('passes any scope on without an allowlist', () => {
    expect(registered({ ...WEB, scope: 'anything at:all' }).scope).toBe('anything at:all');
  });

  it('says so when the backend knows no scope at all', () => {
    expect(refusalIn('strict', { ...WEB, scope: 'openid' }, { ...ALL, scopes: [] })).toStrictEqual(
      metadataError(
        'scope value openid is not supported by this identity provider (it supports no scope)',
      ),
    );
    expect(applyPolicy({ ...WEB, scope: 'openid' }, { ...ALL, scopes: [] }).scope).toBeUndefined();
  });
});

describe('algorithms the backend accepts', () => {
  const ALGS: Capabilities = {
    ...ALL,
    algorithms: {
      id_token_signed_response_alg: ['RS256', 'ES256'],
      token_endpoint_auth_signing_alg: ['RS256'],
      userinfo_encrypted_response_enc: ['A128GCM'],
      request_object_signing_alg: [],
    },
  };
  const KEYS = { token_endpoint_auth_method: 'private_key_jwt', jwks_uri: JWKS_URI };

  it.each([
    [
      { id_token_signed_response_alg: 'PS256' },
      'id_token_signed_response_alg value PS256 is not supported by this identity provider (supported: RS256, ES256)',
    ],
    [
      { ...KEYS, token_endpoint_auth_signing_alg: 'ES256' },
      'token_endpoint_auth_signing_alg value ES256 is not supported by this identity provider (supported: RS256)',
    ],
    [
      { userinfo_encrypted_response_enc: 'A256GCM' },
      'userinfo_encrypted_response_enc value A256GCM is not supported by this identity provider (supported: A128GCM)',
    ],
    [
      { request_object_signing_alg: 'RS256' },
      'request_object_signing_alg value RS256 is not supported by this identity provider (it supports no request_object_signing_alg)',
    ],
  ])('refuses %j in both modes, listing what the backend accepts', (sent, description) => {
    expect(refusal({ ...WEB, ...sent }, ALGS)).toStrictEqual(metadataError(description));
  });

  it.each([
    [{ id_token_signed_response_alg: 'ES256' }],
    [{ ...KEYS, token_endpoint_auth_signing_alg: 'RS256' }],
    [{ userinfo_encrypted_response_enc: 'A128GCM' }],
    [{ userinfo_signed_response_alg: 'PS512' }],
  ])('accepts %j', (sent) => {
    expect(registered({ ...WEB, ...sent }, ALGS)).toStrictEqual({ ...DEFAULTS, ...WEB, ...sent });
  });
});

describe('members the backend cannot store', () => {
  const JWKS = {
    keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }],
  };
  const REFUSING: Capabilities = {
    ...ALL,
    refused: {
      jwks: 'this identity provider cannot store keys by value; register jwks_uri instead',
      client_name: 'this identity provider stores no client names',
      tls_client_auth_san_dns: 'this identity provider matches no certificate names',
      application_type: 'this identity provider has no application types',
    },
  };

  it.each([
    [
      { jwks: JWKS },
      'jwks cannot be registered with this identity provider: this identity provider cannot store keys by value; register jwks_uri instead',
    ],
    [
      { client_name: 'Billing' },
      'client_name cannot be registered with this identity provider: this identity provider stores no client names',
    ],
    [
      { 'client_name#fr': 'Facturation' },
      'client_name#fr cannot be registered with this identity provider: this identity provider stores no client names',
    ],
    [
      { application_type: 'web' },
      'application_type cannot be registered with this identity provider: this identity provider has no application types',
    ],
  ])('refuses %j in both modes, naming the member and the reason', (sent, description) => {
    expect(refusal({ ...WEB, ...sent } as Metadata, REFUSING)).toStrictEqual(
      metadataError(description),
    );
  });

  it('holds neither defaults nor members the policy drops against the request', () => {
    const sent = { ...WEB, jwks_uri: JWKS_URI, tls_client_auth_san_dns: 'a.example' };
    expect(registered(sent, REFUSING)).toStrictEqual({ ...DEFAULTS, ...WEB, jwks_uri: JWKS_URI });
  });
});
