import { describe, expect, it } from 'vitest';
import { applyPolicy, type Capabilities, type Metadata } from '../../src/dcr/index.js';
import { refusal as refusalOf } from '../support/refusal.js';

const ALL: Capabilities = {
  grant_types: [
    'authorization_code',
    'implicit',
    'refresh_token',
    'client_credentials',
    'password',
  ],
  response_types: ['code', 'id_token', 'code id_token', 'none'],
  token_endpoint_auth_methods: [
    'client_secret_basic',
    'client_secret_post',
    'client_secret_jwt',
    'private_key_jwt',
    'tls_client_auth',
    'none',
  ],
};
const WEB = { redirect_uris: ['https://a.example/cb'] };

const refusal = (metadata: Metadata, capabilities = ALL) =>
  refusalOf(() => applyPolicy(metadata, capabilities));

describe('defaults', () => {
  it('fills the RFC 7591 and OIDC defaults', () => {
    expect(applyPolicy(WEB, ALL)).toStrictEqual({
      ...WEB,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      application_type: 'web',
    });
  });

  it('derives each type list from the other when only one is given', () => {
    expect(applyPolicy({ grant_types: ['client_credentials'] }, ALL)).toMatchObject({
      response_types: [],
    });
    expect(applyPolicy({ ...WEB, response_types: ['code id_token'] }, ALL)).toMatchObject({
      grant_types: ['authorization_code', 'implicit'],
    });
  });
});

describe('redirect URIs by application type', () => {
  it.each([
    ['web', 'https://a.example/cb'],
    ['web', 'http://localhost:8080/cb'],
    ['web', 'http://127.0.0.1/'],
    ['web', 'http://[::1]:5000/cb'],
    ['native', 'http://127.0.0.1:33418/'],
    ['native', 'https://vscode.dev/redirect'],
    ['native', 'cursor://anysphere.cursor-retrieval/oauth/callback'],
    ['native', 'com.example.app:/oauth2redirect'],
  ])('%s accepts %s', (application_type, uri) => {
    expect(
      applyPolicy({ redirect_uris: [uri], application_type }, ALL).redirect_uris,
    ).toStrictEqual([uri]);
  });

  it.each([
    [
      'web',
      'http://a.example/cb',
      'redirect_uris may use http only on a loopback host (localhost, 127.0.0.1, [::1])',
    ],
    [
      'native',
      'http://a.example/cb',
      'redirect_uris may use http only on a loopback host (localhost, 127.0.0.1, [::1])',
    ],
    [
      'web',
      'com.example.app:/cb',
      'redirect_uris of web clients must use https (private-use schemes need application_type native)',
    ],
  ])('%s refuses %s', (application_type, uri, description) => {
    expect(refusal({ redirect_uris: [uri], application_type })).toStrictEqual({
      code: 'invalid_redirect_uri',
      description,
    });
  });

  it('holds web clients using implicit to https off loopback', () => {
    const implicit = { grant_types: ['implicit'], response_types: ['id_token'] };
    expect(refusal({ ...implicit, redirect_uris: ['https://localhost/cb'] })).toStrictEqual({
      code: 'invalid_redirect_uri',
      description:
        'redirect_uris of web clients using implicit must be https and not on a loopback host',
    });
    expect(
      applyPolicy({ ...implicit, redirect_uris: ['https://a.example/cb'] }, ALL).grant_types,
    ).toStrictEqual(['implicit']);
  });

  it('needs no redirect URI without a redirect grant', () => {
    expect(applyPolicy({ grant_types: ['client_credentials'] }, ALL).redirect_uris).toBeUndefined();
  });
});

describe('consistency and security rules', () => {
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
      { ...WEB, grant_types: ['authorization_code'], response_types: [] },
      'response_types must contain code when grant_types contains authorization_code',
    ],
    [
      { ...WEB, grant_types: ['implicit'], response_types: ['none'] },
      'response_types must contain token or id_token when grant_types contains implicit',
    ],
    [{ grant_types: ['password'] }, 'grant_types must not contain password (RFC 9700 section 2.4)'],
    [
      { grant_types: ['client_credentials'], token_endpoint_auth_method: 'none' },
      'grant_types client_credentials needs a token_endpoint_auth_method other than none',
    ],
    [
      { ...WEB, jwks: { keys: [] }, jwks_uri: 'https://a.example/jwks' },
      'jwks must not be sent together with jwks_uri',
    ],
    [
      { ...WEB, token_endpoint_auth_method: 'private_key_jwt' },
      'token_endpoint_auth_method private_key_jwt needs jwks or jwks_uri',
    ],
    [
      { ...WEB, token_endpoint_auth_signing_alg: 'none' },
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
        token_endpoint_auth_method: 'private_key_jwt',
        jwks_uri: 'https://a.example/jwks',
        token_endpoint_auth_signing_alg: 'HS256',
      },
      'token_endpoint_auth_signing_alg must be asymmetric for private_key_jwt',
    ],
    [
      { ...WEB, token_endpoint_auth_method: 'tls_client_auth' },
      'token_endpoint_auth_method tls_client_auth needs exactly one of tls_client_auth_subject_dn, tls_client_auth_san_dns, tls_client_auth_san_uri, tls_client_auth_san_ip, tls_client_auth_san_email',
    ],
    [
      {
        ...WEB,
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_san_dns: 'a',
        tls_client_auth_san_ip: '1.2.3.4',
      },
      'token_endpoint_auth_method tls_client_auth needs exactly one of tls_client_auth_subject_dn, tls_client_auth_san_dns, tls_client_auth_san_uri, tls_client_auth_san_ip, tls_client_auth_san_email',
    ],
  ])('refuses %j', (metadata, description) => {
    expect(refusal(metadata as Metadata)).toStrictEqual({
      code: 'invalid_client_metadata',
      description,
    });
  });

  it('keeps the one tls_client_auth subject, and drops subjects under other methods', () => {
    const tls = applyPolicy(
      {
        ...WEB,
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_subject_dn: 'CN=app',
      },
      ALL,
    );
    expect(tls.tls_client_auth_subject_dn).toBe('CN=app');
    expect(
      applyPolicy({ ...WEB, tls_client_auth_subject_dn: 'CN=app' }, ALL).tls_client_auth_subject_dn,
    ).toBeUndefined();
  });
});

describe('capabilities', () => {
  const narrow: Capabilities = {
    grant_types: ['authorization_code'],
    response_types: ['code', 'code id_token'],
    token_endpoint_auth_methods: ['client_secret_basic'],
  };

  it('refuses what the backend cannot register, naming what it can', () => {
    expect(refusal({ ...WEB, token_endpoint_auth_method: 'none' }, narrow)).toStrictEqual({
      code: 'invalid_client_metadata',
      description:
        'token_endpoint_auth_method value none is not supported by this identity provider (supported: client_secret_basic)',
    });
    expect(
      refusal({ ...WEB, grant_types: ['authorization_code', 'refresh_token'] }, narrow).description,
    ).toBe(
      'grant_types value refresh_token is not supported by this identity provider (supported: authorization_code)',
    );
  });

  it('compares response types as sets of words', () => {
    const metadata = applyPolicy(
      {
        ...WEB,
        grant_types: ['authorization_code', 'implicit'],
        response_types: ['id_token code'],
      },
      {
        ...narrow,
        grant_types: ['authorization_code', 'implicit'],
      },
    );
    expect(metadata.response_types).toStrictEqual(['id_token code']);
  });
});
