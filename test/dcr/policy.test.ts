import { describe, expect, it } from 'vitest';
import {
  applyDefaults,
  applyPolicy,
  type Capabilities,
  type Metadata,
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

const refusal = (metadata: Metadata, capabilities = ALL) =>
  refusalOf(() => applyPolicy(metadata, capabilities));
const metadataError = (description: string) => ({ code: 'invalid_client_metadata', description });
const redirectError = (description: string) => ({ code: 'invalid_redirect_uri', description });

describe('defaults (RFC 7591 §2, OIDC Registration §2)', () => {
  it('fills grant_types, response_types, token_endpoint_auth_method and application_type', () => {
    expect(applyPolicy(WEB, ALL)).toStrictEqual({ ...WEB, ...DEFAULTS });
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
    expect(applyPolicy(sent, ALL)).toStrictEqual(sent);
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
    expect(applyPolicy({ grant_types: ['client_credentials'] }, ALL)).toStrictEqual({
      grant_types: ['client_credentials'],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
      application_type: 'web',
    });
  });

  it('leaves its input untouched', () => {
    const input = { ...WEB, tls_client_auth_san_dns: 'a.example' };
    const copy = structuredClone(input);
    applyPolicy(input, ALL);
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
    expect(applyPolicy(metadata, ALL)).toMatchObject(metadata);
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
    expect(applyPolicy({ redirect_uris: [uri], application_type }, ALL)).toStrictEqual({
      ...DEFAULTS,
      redirect_uris: [uri],
      application_type,
    });
  });

  const HTTP_LOOPBACK_ONLY =
    'redirect_uris may use http only on a loopback host (localhost, 127.0.0.1, [::1])';
  it.each([
    ['web', 'http://a.example/cb', HTTP_LOOPBACK_ONLY],
    ['web', 'http://127.0.0.2/cb', HTTP_LOOPBACK_ONLY],
    ['native', 'http://a.example/cb', HTTP_LOOPBACK_ONLY],
    ['native', 'http://10.0.0.1:8080/cb', HTTP_LOOPBACK_ONLY],
    [
      'web',
      'com.example.app:/cb',
      'redirect_uris of web clients must use https (private-use schemes need application_type native)',
    ],
    [
      'web',
      'cursor://cb',
      'redirect_uris of web clients must use https (private-use schemes need application_type native)',
    ],
  ])('%s refuses %s', (application_type, uri, description) => {
    expect(refusal({ redirect_uris: [uri], application_type })).toStrictEqual(
      redirectError(description),
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
    expect(
      applyPolicy({ ...IMPLICIT, redirect_uris: ['https://a.example/cb'] }, ALL),
    ).toMatchObject(IMPLICIT);
    expect(
      applyPolicy(
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
    expect(applyPolicy({ grant_types: ['client_credentials'] }, ALL).redirect_uris).toBeUndefined();
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
    expect(applyPolicy(metadata as Metadata, ALL)).toStrictEqual({ ...DEFAULTS, ...metadata });
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
    expect(applyPolicy({ ...TLS, [field]: 'value' }, ALL)).toStrictEqual({
      ...DEFAULTS,
      ...TLS,
      [field]: 'value',
    });
  });

  it('drops subject members under other methods', () => {
    expect(
      applyPolicy(
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
    expect(applyPolicy(one, ALL)).toStrictEqual({ ...DEFAULTS, ...one });
    const implicit = { ...WEB, ...IMPLICIT, dpop_bound_access_tokens: true };
    expect(applyPolicy(implicit, ALL)).toStrictEqual({ ...DEFAULTS, ...implicit });
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
      {
        ...WEB,
        grant_types: [
          'authorization_code',
          'refresh_token',
          'urn:ietf:params:oauth:grant-type:device_code',
        ],
      },
      'grant_types value refresh_token, urn:ietf:params:oauth:grant-type:device_code is not supported by this identity provider (supported: authorization_code, implicit)',
    ],
    [
      { grant_types: ['client_credentials'] },
      'grant_types value client_credentials is not supported by this identity provider (supported: authorization_code, implicit)',
    ],
    [
      {
        ...WEB,
        grant_types: ['authorization_code', 'implicit'],
        response_types: ['code', 'id_token'],
      },
      'response_types value id_token is not supported by this identity provider (supported: code, code id_token)',
    ],
  ])('refuses %j, naming what the backend supports', (metadata, description) => {
    expect(refusal(metadata, narrow)).toStrictEqual(metadataError(description));
  });

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
    expect(applyPolicy(metadata, narrow)).toStrictEqual({ ...DEFAULTS, ...metadata });
  });

  it('refuses the password grant even where the backend supports it', () => {
    expect(ALL.grant_types).toContain('password');
    expect(refusal({ grant_types: ['password'], response_types: [] })).toStrictEqual(
      metadataError('grant_types must not contain password (RFC 9700 section 2.4)'),
    );
  });
});
