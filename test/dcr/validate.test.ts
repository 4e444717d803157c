import { describe, expect, it } from 'vitest';
import { validateMetadata } from '../../src/dcr/index.js';
import { refusal as refusalOf } from '../support/refusal.js';

const refusal = (body: unknown) => refusalOf(() => validateMetadata(body));

describe('validateMetadata', () => {
  it('keeps known members, drops unknown and server-issued ones, reads null as absent', () => {
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
        logo_uri: null,
      }),
    ).toStrictEqual({ redirect_uris: ['https://a.example/cb'], client_name: 'App' });
  });

  it('drops members named after Object prototype properties', () => {
    const body = JSON.parse(
      '{"constructor":"x","__proto__":{"kind":"boolean"},"toString":1,"hasOwnProperty#en":"y","client_name":"App"}',
    );
    expect(validateMetadata(body)).toStrictEqual({ client_name: 'App' });
  });

  it('keeps locale-tagged variants of localizable members under the key sent', () => {
    expect(
      validateMetadata({
        'client_name#ja-Jpan-JP': 'クライアント名',
        'client_name#JA-JPAN-jp': 'the same variant: first one wins',
        'logo_uri#fr': 'https://a.example/fr.png',
        'scope#de': 'not localizable: dropped',
        'client_name#not a tag': 'dropped',
        'client_name#en#us': 'dropped',
      }),
    ).toStrictEqual({
      'client_name#ja-Jpan-JP': 'クライアント名',
      'logo_uri#fr': 'https://a.example/fr.png',
    });
  });

  it('removes duplicates from lists and gives algorithms their registered spelling', () => {
    expect(
      validateMetadata({
        grant_types: ['authorization_code', 'refresh_token', 'authorization_code'],
        id_token_signed_response_alg: 'rs256',
        id_token_encrypted_response_alg: 'rsa-oaep-256',
        id_token_encrypted_response_enc: 'a128gcm',
        token_endpoint_auth_signing_alg: 'eddsa',
      }),
    ).toStrictEqual({
      grant_types: ['authorization_code', 'refresh_token'],
      id_token_signed_response_alg: 'RS256',
      id_token_encrypted_response_alg: 'RSA-OAEP-256',
      id_token_encrypted_response_enc: 'A128GCM',
      token_endpoint_auth_signing_alg: 'EdDSA',
    });
  });

  it.each([
    [{ client_name: '' }, 'invalid_client_metadata', 'client_name must be a non-empty string'],
    [
      { client_uri: 'not a url' },
      'invalid_client_metadata',
      'client_uri must contain absolute URIs',
    ],
    [
      { sector_identifier_uri: 'http://a.example/s.json' },
      'invalid_client_metadata',
      'sector_identifier_uri must be an https URI',
    ],
    [
      { initiate_login_uri: 'data:text/html,x' },
      'invalid_client_metadata',
      'initiate_login_uri must not use the data: scheme',
    ],
    [{ contacts: ['ops'] }, 'invalid_client_metadata', 'contacts must contain e-mail addresses'],
    [
      { default_max_age: 1.5 },
      'invalid_client_metadata',
      'default_max_age must be a non-negative integer',
    ],
    [
      { dpop_bound_access_tokens: 'yes' },
      'invalid_client_metadata',
      'dpop_bound_access_tokens must be a boolean',
    ],
    [
      { subject_type: 'secret' },
      'invalid_client_metadata',
      'subject_type must be one of public, pairwise',
    ],
    [
      { request_object_signing_alg: 'HS1' },
      'invalid_client_metadata',
      'request_object_signing_alg is not a registered JWS algorithm',
    ],
    [
      { userinfo_encrypted_response_enc: 'A1GCM' },
      'invalid_client_metadata',
      'userinfo_encrypted_response_enc is not a registered JWE content encryption',
    ],
    [
      { post_logout_redirect_uris: ['https://a.example/#'] },
      'invalid_client_metadata',
      'post_logout_redirect_uris must not contain fragments',
    ],
    [
      { redirect_uris: ['file:///etc/passwd'] },
      'invalid_redirect_uri',
      'redirect_uris must not use the file: scheme',
    ],
    [{ jwks: [] }, 'invalid_client_metadata', 'jwks must be a JWK Set object with a keys array'],
    [{ jwks: { keys: ['x'] } }, 'invalid_client_metadata', 'jwks keys must be JWK objects'],
    [
      { jwks: { keys: [{ kty: 'RSA', n: 'n', e: 'AQAB', d: 'private' }] } },
      'invalid_client_metadata',
      'jwks must not contain private key material',
    ],
    [
      { jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x' }] } },
      'invalid_client_metadata',
      'jwks EC keys must carry crv, x, y',
    ],
  ])('refuses %j', (body, code, description) => {
    expect(refusal(body)).toStrictEqual({ code, description });
  });

  it('accepts a public JWK Set', () => {
    const jwks = {
      keys: [
        { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'k' },
      ],
    };
    expect(validateMetadata({ jwks })).toStrictEqual({ jwks });
  });
});
