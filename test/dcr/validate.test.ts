import { describe, expect, it } from 'vitest';
import { CLIENT_METADATA, specOf, validateMetadata } from '../../src/dcr/index.js';
import { refusal as refusalOf } from '../support/refusal.js';

const refusal = (body: unknown) => refusalOf(() => validateMetadata(body));
const metadataError = (description: string) => ({ code: 'invalid_client_metadata', description });
const redirectError = (description: string) => ({ code: 'invalid_redirect_uri', description });

describe('the body', () => {
  it.each([[null], [undefined], [[]], [[{ client_name: 'App' }]], ['{}'], [42], [true]])(
    'refuses %j as not a JSON object',
    (body) => {
      expect(refusal(body)).toStrictEqual({
        code: 'invalid_request',
        description: 'the request body must be a JSON object',
      });
    },
  );

  it('accepts an empty object as no metadata', () => {
    expect(validateMetadata({})).toStrictEqual({});
  });
});

describe('members the gateway does not register', () => {
  it('drops unknown members and the members the server issues', () => {
    expect(
      validateMetadata({
        redirect_uris: ['https://a.example/cb'],
        client_name: 'App',
        x_vendor: 1,
        client_id: 'mine',
        client_secret: 'mine',
        client_id_issued_at: 1,
        client_secret_expires_at: 1,
        registration_access_token: 'x',
        registration_client_uri: 'https://x.example',
        software_statement: 'eyJ...',
      }),
    ).toStrictEqual({ redirect_uris: ['https://a.example/cb'], client_name: 'App' });
  });

  it('drops server-issued members even when their values are of the wrong type', () => {
    expect(
      validateMetadata({
        client_id: 42,
        client_secret: { chosen: true },
        client_id_issued_at: 'yesterday',
        client_secret_expires_at: -1,
      }),
    ).toStrictEqual({});
  });

  it('reads an empty scope as no scope requested, and no other empty string so', () => {
    expect(validateMetadata({ scope: '', client_name: 'Inspector' })).toStrictEqual({
      client_name: 'Inspector',
    });
    expect(() => validateMetadata({ client_uri: '' })).toThrow(
      'client_uri must be a non-empty string',
    );
  });

  it('drops members named after Object prototype properties', () => {
    const body = JSON.parse(
      '{"constructor":"x","__proto__":{"kind":"boolean"},"toString":1,"hasOwnProperty#en":"y","client_name":"App"}',
    );
    expect(validateMetadata(body)).toStrictEqual({ client_name: 'App' });
  });

  it.each(Object.keys(CLIENT_METADATA))('reads %s: null as absent', (key) => {
    expect(validateMetadata({ [key]: null, client_name: 'App' })).toStrictEqual({
      client_name: 'App',
    });
  });
});

describe('values of each kind', () => {
  const JWK_RSA = {
    kty: 'RSA',
    n: 'sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1Wl',
    e: 'AQAB',
  };
  const JWK_EC = {
    kty: 'EC',
    crv: 'P-256',
    x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
    y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
  };
  const JWK_OKP = {
    kty: 'OKP',
    crv: 'Ed25519',
    x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
    kid: 'k',
  };

  it.each([
    ['string', 'client_name', 'App'],
    ['string with a closed set', 'application_type', 'native'],
    ['web_uri over https', 'client_uri', 'https://a.example/'],
    ['web_uri over http', 'logo_uri', 'http://a.example/logo.png'],
    ['web_uri with a fragment', 'policy_uri', 'https://a.example/policy#privacy'],
    ['https_uri', 'sector_identifier_uri', 'https://a.example/sector.json'],
    ['redirect_uri_list', 'redirect_uris', ['https://a.example/cb', 'cursor://cb']],
    ['redirect_uri_list', 'post_logout_redirect_uris', ['https://a.example/bye']],
    [
      'uri_list, with a fragment (OIDC Registration §2)',
      'request_uris',
      ['https://a.example/r#h1'],
    ],
    ['string_list', 'default_acr_values', ['urn:mace:incommon:iap:silver']],
    ['string_list, empty', 'grant_types', []],
    ['email_list', 'contacts', ['ops@a.example', 'dev+dcr@a.example']],
    ['boolean true', 'require_auth_time', true],
    ['boolean false', 'dpop_bound_access_tokens', false],
    ['non_negative_integer zero', 'default_max_age', 0],
    ['non_negative_integer', 'default_max_age', 86400],
    ['jwks with RSA, EC and OKP public keys', 'jwks', { keys: [JWK_RSA, JWK_EC, JWK_OKP] }],
    ['jwks without keys', 'jwks', { keys: [] }],
    ['jws_alg', 'id_token_signed_response_alg', 'PS256'],
    ['jws_alg none', 'userinfo_signed_response_alg', 'none'],
    ['jwe_alg', 'request_object_encryption_alg', 'ECDH-ES+A256KW'],
    ['jwe_enc', 'authorization_encrypted_response_enc', 'A256CBC-HS512'],
  ])('keeps a valid %s (%s)', (_kind, key, value) => {
    expect(validateMetadata({ [key]: value })).toStrictEqual({ [key]: value });
  });

  it('gives algorithms their registered spelling', () => {
    expect(
      validateMetadata({
        id_token_signed_response_alg: 'rs256',
        token_endpoint_auth_signing_alg: 'eddsa',
        request_object_signing_alg: 'es256k',
        id_token_encrypted_response_alg: 'rsa-oaep-256',
        userinfo_encrypted_response_alg: 'DIR',
        id_token_encrypted_response_enc: 'a128gcm',
        request_object_encryption_enc: 'a128cbc-hs256',
      }),
    ).toStrictEqual({
      id_token_signed_response_alg: 'RS256',
      token_endpoint_auth_signing_alg: 'EdDSA',
      request_object_signing_alg: 'ES256K',
      id_token_encrypted_response_alg: 'RSA-OAEP-256',
      userinfo_encrypted_response_alg: 'dir',
      id_token_encrypted_response_enc: 'A128GCM',
      request_object_encryption_enc: 'A128CBC-HS256',
    });
  });

  it('removes duplicates from every kind of list, keeping the first occurrence', () => {
    expect(
      validateMetadata({
        grant_types: ['refresh_token', 'authorization_code', 'refresh_token'],
        redirect_uris: ['https://a.example/cb', 'http://127.0.0.1/', 'https://a.example/cb'],
        request_uris: ['https://a.example/r', 'https://a.example/r'],
        contacts: ['ops@a.example', 'ops@a.example'],
      }),
    ).toStrictEqual({
      grant_types: ['refresh_token', 'authorization_code'],
      redirect_uris: ['https://a.example/cb', 'http://127.0.0.1/'],
      request_uris: ['https://a.example/r'],
      contacts: ['ops@a.example'],
    });
  });

  it('keeps URIs byte for byte', () => {
    const uris = ['https://a.example:8443/cb/', 'http://127.0.0.1', 'com.example.app:/cb?x=%41'];
    expect(validateMetadata({ redirect_uris: uris }).redirect_uris).toStrictEqual(uris);
  });

  it.each([
    // string
    [{ client_name: 42 }, metadataError('client_name must be a non-empty string')],
    [{ client_name: '' }, metadataError('client_name must be a non-empty string')],
    [{ client_name: ['App'] }, metadataError('client_name must be a non-empty string')],
    [{ scope: ['openid', 'email'] }, metadataError('scope must be a non-empty string')],
    [
      { token_endpoint_auth_method: true },
      metadataError('token_endpoint_auth_method must be a non-empty string'),
    ],
    [{ application_type: 'desktop' }, metadataError('application_type must be one of web, native')],
    [{ application_type: 'Web' }, metadataError('application_type must be one of web, native')],
    [{ subject_type: 'secret' }, metadataError('subject_type must be one of public, pairwise')],
    // web_uri
    [{ client_uri: 42 }, metadataError('client_uri must be a non-empty string')],
    [{ client_uri: 'not a url' }, metadataError('client_uri must contain absolute URIs')],
    [{ tos_uri: '/tos' }, metadataError('tos_uri must contain absolute URIs')],
    [{ jwks_uri: ' https://a.example/jwks' }, metadataError('jwks_uri must contain absolute URIs')],
    [
      { logo_uri: 'ftp://x.example/logo.png' },
      metadataError('logo_uri must be an https or http URI'),
    ],
    [
      { policy_uri: 'javascript:alert(1)' },
      metadataError('policy_uri must not use the javascript: scheme'),
    ],
    // https_uri
    [
      { sector_identifier_uri: 'http://a.example/s.json' },
      metadataError('sector_identifier_uri must be an https URI'),
    ],
    [
      { initiate_login_uri: 'data:text/html,x' },
      metadataError('initiate_login_uri must not use the data: scheme'),
    ],
    // uri_list
    [
      { request_uris: 'https://a.example/r' },
      metadataError('request_uris must be an array of strings'),
    ],
    [{ request_uris: ['r.jwt'] }, metadataError('request_uris must contain absolute URIs')],
    [
      { request_uris: ['blob:https://a.example/x'] },
      metadataError('request_uris must not use the blob: scheme'),
    ],
    // redirect_uri_list beyond redirect_uris (which has its own table below)
    [
      { post_logout_redirect_uris: ['https://a.example/#'] },
      metadataError('post_logout_redirect_uris must not contain fragments'),
    ],
    [
      { post_logout_redirect_uris: [42] },
      metadataError('post_logout_redirect_uris must contain only non-empty strings'),
    ],
    // string_list
    [
      { grant_types: 'authorization_code' },
      metadataError('grant_types must be an array of strings'),
    ],
    [
      { grant_types: { 0: 'authorization_code' } },
      metadataError('grant_types must be an array of strings'),
    ],
    [{ response_types: [''] }, metadataError('response_types must contain only non-empty strings')],
    [
      { default_acr_values: ['1', 2] },
      metadataError('default_acr_values must contain only non-empty strings'),
    ],
    [{ grant_types: [null] }, metadataError('grant_types must contain only non-empty strings')],
    // email_list
    [{ contacts: 'ops@a.example' }, metadataError('contacts must be an array of strings')],
    [{ contacts: ['ops'] }, metadataError('contacts must contain e-mail addresses')],
    [
      { contacts: ['ops@a.example', 'o ps@a.example'] },
      metadataError('contacts must contain e-mail addresses'),
    ],
    // boolean
    [{ require_auth_time: 'true' }, metadataError('require_auth_time must be a boolean')],
    [
      { dpop_bound_access_tokens: 'yes' },
      metadataError('dpop_bound_access_tokens must be a boolean'),
    ],
    [
      { tls_client_certificate_bound_access_tokens: 1 },
      metadataError('tls_client_certificate_bound_access_tokens must be a boolean'),
    ],
    [
      { require_pushed_authorization_requests: [] },
      metadataError('require_pushed_authorization_requests must be a boolean'),
    ],
    // non_negative_integer
    [{ default_max_age: -1 }, metadataError('default_max_age must be a non-negative integer')],
    [{ default_max_age: 1.5 }, metadataError('default_max_age must be a non-negative integer')],
    [{ default_max_age: '3600' }, metadataError('default_max_age must be a non-negative integer')],
    [{ default_max_age: 2 ** 53 }, metadataError('default_max_age must be a non-negative integer')],
    // jws_alg, jwe_alg, jwe_enc
    [
      { request_object_signing_alg: 'HS1' },
      metadataError('request_object_signing_alg is not a registered JWS algorithm'),
    ],
    [
      { id_token_signed_response_alg: 256 },
      metadataError('id_token_signed_response_alg must be a non-empty string'),
    ],
    [
      { id_token_encrypted_response_alg: 'RSA-OAEP-1024' },
      metadataError('id_token_encrypted_response_alg is not a registered JWE algorithm'),
    ],
    [
      { id_token_encrypted_response_alg: 'A128GCM' },
      metadataError('id_token_encrypted_response_alg is not a registered JWE algorithm'),
    ],
    [
      { userinfo_encrypted_response_enc: 'A1GCM' },
      metadataError('userinfo_encrypted_response_enc is not a registered JWE content encryption'),
    ],
    [
      { userinfo_encrypted_response_enc: 'RSA-OAEP' },
      metadataError('userinfo_encrypted_response_enc is not a registered JWE content encryption'),
    ],
  ])('refuses %j', (body, expected) => {
    expect(refusal(body)).toStrictEqual(expected);
  });
});

describe('redirect_uris', () => {
  const USERINFO = 'redirect_uris must not contain user information (user@host)';
  const NOT_NORMAL =
    'redirect_uris must contain URIs in normal form (lower-case scheme and host, no default port, no dot segments)';
  it.each([
    [{ redirect_uris: 'https://a.example/cb' }, 'redirect_uris must be an array of strings'],
    [{ redirect_uris: [42] }, 'redirect_uris must contain only non-empty strings'],
    [{ redirect_uris: [''] }, 'redirect_uris must contain only non-empty strings'],
    [{ redirect_uris: ['/cb'] }, 'redirect_uris must contain absolute URIs'],
    [{ redirect_uris: ['//a.example/cb'] }, 'redirect_uris must contain absolute URIs'],
    [{ redirect_uris: ['a.example/cb'] }, 'redirect_uris must contain absolute URIs'],
    [{ redirect_uris: [' https://a.example/cb'] }, 'redirect_uris must contain absolute URIs'],
    [{ redirect_uris: ['https://a.example/c\nb'] }, 'redirect_uris must contain absolute URIs'],
    [{ redirect_uris: ['https://a.example/c b'] }, 'redirect_uris must contain absolute URIs'],
    [{ redirect_uris: ['https://a.example/c\u00a0b'] }, 'redirect_uris must contain absolute URIs'],
    [{ redirect_uris: ['https://a.example/cb\u007f'] }, 'redirect_uris must contain absolute URIs'],
    [{ redirect_uris: ['https://a.example/cb#x'] }, 'redirect_uris must not contain fragments'],
    [{ redirect_uris: ['https://a.example/cb#'] }, 'redirect_uris must not contain fragments'],
    [
      { redirect_uris: ['https://a.example/ok', 'cursor://cb#'] },
      'redirect_uris must not contain fragments',
    ],
    [
      { redirect_uris: ['javascript:alert(1)'] },
      'redirect_uris must not use the javascript: scheme',
    ],
    [
      { redirect_uris: ['JavaScript:alert(1)'] },
      'redirect_uris must not use the javascript: scheme',
    ],
    [{ redirect_uris: ['vbscript:msgbox(1)'] }, 'redirect_uris must not use the vbscript: scheme'],
    [
      { redirect_uris: ['data:text/html;base64,PHNjcmlwdD4='] },
      'redirect_uris must not use the data: scheme',
    ],
    [{ redirect_uris: ['file:///etc/passwd'] }, 'redirect_uris must not use the file: scheme'],
    [
      { redirect_uris: ['blob:https://a.example/1'] },
      'redirect_uris must not use the blob: scheme',
    ],
    [{ redirect_uris: ['about:blank'] }, 'redirect_uris must not use the about: scheme'],
    ...[
      'https://app.example@evil.example/cb',
      'https://user:pass@app.example/cb',
      'cursor://me@cb/x',
    ].map((uri): [object, string] => [{ redirect_uris: [uri] }, USERINFO]),
    ...[
      'https:app.example/cb',
      'https:/app.example/cb',
      'http://0x7f000001/cb',
      'http://2130706433/cb',
      'http://0177.0.0.1/cb',
      'https://@app.example/cb',
      'https://App.example/cb',
      'HTTPS://app.example/cb',
      'https://app.example:443/cb',
      'https://app.example/a/../cb',
    ].map((uri): [object, string] => [{ redirect_uris: [uri] }, NOT_NORMAL]),
    ...[
      'https://app.example\\@evil.example/cb',
      'cursor://app.example\\@evil.example/cb',
      'https://app.example/caf\u00e9',
      'https://b\u00fccher.example/cb',
      'https://app.example/<cb>',
      'https://app.example/cb?x=%zz',
      'https://app.example/cb%',
      'com.example.app:/a"b',
    ].map((uri): [object, string] => [
      { redirect_uris: [uri] },
      'redirect_uris must contain absolute URIs',
    ]),
  ])('refuses %j with invalid_redirect_uri', (body, description) => {
    expect(refusal(body)).toStrictEqual(redirectError(description));
  });
});

describe('jwks', () => {
  const JWKS_ERROR = 'jwks must be a JWK Set object with a keys array';
  const KTY_ERROR = 'jwks keys must be RSA, EC or OKP public keys';
  const PRIVATE_ERROR = 'jwks must not contain private key material';

  it.each([
    [[], JWKS_ERROR],
    ['{"keys":[]}', JWKS_ERROR],
    [{}, JWKS_ERROR],
    [{ keys: {} }, JWKS_ERROR],
    [{ keys: ['x'] }, 'jwks keys must be JWK objects'],
    [{ keys: [null] }, 'jwks keys must be JWK objects'],
    [{ keys: [[]] }, 'jwks keys must be JWK objects'],
    [{ keys: [{ n: 'n', e: 'AQAB' }] }, KTY_ERROR],
    [{ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }, KTY_ERROR],
    [{ keys: [{ kty: 'rsa', n: 'n', e: 'AQAB' }] }, KTY_ERROR],
    [{ keys: [{ kty: 'constructor' }] }, KTY_ERROR],
    [{ keys: [{ kty: 'toString' }] }, KTY_ERROR],
    [{ keys: [{ kty: '__proto__' }] }, KTY_ERROR],
    [{ keys: [{ kty: 'RSA', n: 'n', e: 'AQAB', d: 'private' }] }, PRIVATE_ERROR],
    [{ keys: [{ kty: 'RSA', n: 'n', e: 'AQAB', p: 'p', q: 'q' }] }, PRIVATE_ERROR],
    [{ keys: [{ kty: 'RSA', n: 'n', e: 'AQAB', oth: [] }] }, PRIVATE_ERROR],
    [{ keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd' }] }, PRIVATE_ERROR],
    [{ keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'x', d: 'd' }] }, PRIVATE_ERROR],
    [{ keys: [{ kty: 'RSA', e: 'AQAB' }] }, 'jwks RSA keys must carry n, e'],
    [{ keys: [{ kty: 'RSA', n: 42, e: 'AQAB' }] }, 'jwks RSA keys must carry n, e'],
    [{ keys: [{ kty: 'EC', crv: 'P-256', x: 'x' }] }, 'jwks EC keys must carry crv, x, y'],
    [{ keys: [{ kty: 'OKP', x: 'x' }] }, 'jwks OKP keys must carry crv, x'],
  ])('refuses %j', (jwks, description) => {
    expect(refusal({ jwks })).toStrictEqual(metadataError(description));
  });
});

describe('locale-tagged members (RFC 7591 §2.2)', () => {
  it('keeps variants of localizable members under the key sent, next to the plain member', () => {
    expect(
      validateMetadata({
        client_name: 'Client',
        'client_name#ja-Jpan-JP': 'クライアント名',
        'client_uri#de': 'https://a.example/de',
        'logo_uri#fr': 'https://a.example/fr.png',
        'tos_uri#en-GB': 'https://a.example/tos',
        'policy_uri#zh-Hant-TW': 'https://a.example/policy',
      }),
    ).toStrictEqual({
      client_name: 'Client',
      'client_name#ja-Jpan-JP': 'クライアント名',
      'client_uri#de': 'https://a.example/de',
      'logo_uri#fr': 'https://a.example/fr.png',
      'tos_uri#en-GB': 'https://a.example/tos',
      'policy_uri#zh-Hant-TW': 'https://a.example/policy',
    });
  });

  it('compares tags case-insensitively: the first spelling of a variant wins', () => {
    expect(
      validateMetadata({
        'client_name#ja-Jpan-JP': 'クライアント名',
        'client_name#JA-jpan-jp': 'the same variant',
        'client_name#ja': 'another variant',
      }),
    ).toStrictEqual({
      'client_name#ja-Jpan-JP': 'クライアント名',
      'client_name#ja': 'another variant',
    });
  });

  it('lets a later spelling stand in for a null one', () => {
    expect(
      validateMetadata({ 'client_name#ja-Jpan-JP': null, 'client_name#JA-jpan-jp': '名' }),
    ).toStrictEqual({ 'client_name#JA-jpan-jp': '名' });
  });

  it('drops invalid tags and tags on members that are not localizable', () => {
    expect(
      validateMetadata({
        'client_name#not a tag': 'dropped',
        'client_name#': 'dropped',
        'client_name#e': 'dropped',
        'client_name#en-': 'dropped',
        'client_name#en_US': 'dropped',
        'client_name#en#us': 'dropped',
        'scope#de': 'dropped',
        'redirect_uris#en': ['https://a.example/cb'],
        'jwks_uri#en': 'https://a.example/jwks',
        'contacts#en': ['ops@a.example'],
      }),
    ).toStrictEqual({});
  });

  it('checks the value of a variant like the plain member', () => {
    expect(refusal({ 'logo_uri#fr': 'ftp://a.example/fr.png' })).toStrictEqual(
      metadataError('logo_uri#fr must be an https or http URI'),
    );
    expect(refusal({ 'client_name#de': '' })).toStrictEqual(
      metadataError('client_name#de must be a non-empty string'),
    );
  });

  it.each([
    ['client_name', 'string'],
    ['client_name#de-CH', 'string'],
    ['logo_uri#fr', 'web_uri'],
    ['scope#de', undefined],
    ['client_id', undefined],
    ['x_vendor', undefined],
    ['constructor', undefined],
  ])('specOf(%s) has kind %s', (key, kind) => {
    expect(specOf(key)?.kind).toBe(kind);
  });
});
