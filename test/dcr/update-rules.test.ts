import { describe, expect, it } from 'vitest';
import { checkUpdateBody } from '../../src/dcr/index.js';
import { refusal as refusalOf } from '../support/refusal.js';

const ID = 'client-1';
const BODY = { client_id: ID, redirect_uris: ['https://a.example/cb'] };

const refusal = (body: unknown) => refusalOf(() => checkUpdateBody(body, ID));
const invalidRequest = (description: string) => ({ code: 'invalid_request', description });

describe('checkUpdateBody (RFC 7592 §2.2)', () => {
  it.each([[null], [undefined], [[]], [[BODY]], ['{}'], [0]])(
    'refuses %j as not a JSON object',
    (body) => {
      expect(refusal(body)).toStrictEqual(invalidRequest('the request body must be a JSON object'));
    },
  );

  it('accepts a body naming the client, and reads no secret when none is sent', () => {
    expect(checkUpdateBody(BODY, ID)).toStrictEqual({});
    expect(checkUpdateBody({ client_id: ID }, ID)).toStrictEqual({});
  });

  it.each([
    ['registration_access_token', 'rat'],
    ['registration_client_uri', 'https://gw.example/idp/register/client-1'],
    ['client_secret_expires_at', 0],
    ['client_id_issued_at', 1732270000],
    ['client_id_issued_at', null],
  ])('refuses %s (here %j), which the server manages', (field, value) => {
    expect(refusal({ ...BODY, [field]: value })).toStrictEqual(
      invalidRequest(`${field} must not be sent in an update (RFC 7592 section 2.2)`),
    );
  });

  it('checks the forbidden members before the client_id', () => {
    expect(refusal({ registration_access_token: 'rat' })).toStrictEqual(
      invalidRequest(
        'registration_access_token must not be sent in an update (RFC 7592 section 2.2)',
      ),
    );
  });

  it.each([
    [{ redirect_uris: ['https://a.example/cb'] }],
    [{ client_id: null }],
    [{ client_id: 'client-2' }],
    [{ client_id: 'CLIENT-1' }],
    [{ client_id: ` ${ID}` }],
    [{ client_id: [ID] }],
  ])('refuses a client_id other than the current one: %j', (body) => {
    expect(refusal(body)).toStrictEqual(
      invalidRequest('client_id must be present and equal to the client being updated'),
    );
  });

  it.each([
    [{ client_secret: 'current' }, { clientSecret: 'current' }],
    [{ client_secret: '' }, { clientSecret: '' }],
    [{ client_secret: null }, {}],
  ])('returns a client_secret sent for the caller to compare: %j', (secret, expected) => {
    expect(checkUpdateBody({ ...BODY, ...secret }, ID)).toStrictEqual(expected);
  });

  it.each([[42], [true], [['current']], [{ value: 'current' }]])(
    'refuses a client_secret that is not a string: %j',
    (secret) => {
      expect(refusal({ ...BODY, client_secret: secret })).toStrictEqual(
        invalidRequest('client_secret must be a string'),
      );
    },
  );

  it('leaves the metadata to the validator', () => {
    expect(checkUpdateBody({ ...BODY, grant_types: 'not a list', x_unknown: 1 }, ID)).toStrictEqual(
      {},
    );
  });
});
