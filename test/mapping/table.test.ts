import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tableRule, type TableRule } from '../../src/mapping/schema.js';
import { compileTable } from '../../src/mapping/table.js';

/**
 * The two-way field table: each rule once, applied forward to requests and inverted on
 * responses. Examples pin each rule; properties check that what goes out comes back the same.
 */
const scope = { params: {}, vars: {} };
const table = (...rules: unknown[]) => compileTable(rules.map((rule) => tableRule.parse(rule)));

describe('field table rules, both ways', () => {
  it.each<[string, unknown, Record<string, unknown>, Record<string, unknown>]>([
    [
      'rename, into nested members',
      { rename: { client_name: 'options.displayName', redirect_uris: 'redirectUris' } },
      { client_name: 'Billing', redirect_uris: ['https://a.example/cb'] },
      { options: { displayName: 'Billing' }, redirectUris: ['https://a.example/cb'] },
    ],
    [
      'enum_map, in lists too',
      {
        enum_map: { token_endpoint_auth_method: { none: 'pkce' }, grant_types: { implicit: 'I' } },
      },
      { token_endpoint_auth_method: 'none', grant_types: ['implicit', 'refresh_token'] },
      { token_endpoint_auth_method: 'pkce', grant_types: ['I', 'refresh_token'] },
    ],
    [
      'scope_list',
      { scope_list: { from: 'scope', to: 'scopes' } },
      { scope: 'openid email' },
      { scopes: ['openid', 'email'] },
    ],
    [
      'boolean_number',
      { boolean_number: ['options.public', 'require_auth_time'] },
      { options: { public: true }, require_auth_time: false },
      { options: { public: 1 }, require_auth_time: 0 },
    ],
    [
      'number_string',
      { number_string: ['default_max_age'] },
      { default_max_age: 3600 },
      { default_max_age: '3600' },
    ],
    [
      'seconds_millis',
      { seconds_millis: ['client_id_issued_at'] },
      { client_id_issued_at: 1700000000 },
      { client_id_issued_at: 1700000000000 },
    ],
    [
      'member_flag',
      {
        member_flag: { list: 'grant_types', value: 'refresh_token', flag: 'options.refreshToken' },
      },
      { grant_types: ['authorization_code', 'refresh_token'] },
      { grant_types: ['authorization_code', 'refresh_token'], options: { refreshToken: true } },
    ],
    [
      'locale_list, the untagged member kept',
      { locale_list: { fields: ['client_name'], to: 'metadata' } },
      { client_name: 'Billing', 'client_name#de': 'Abrechnung' },
      {
        client_name: 'Billing',
        metadata: [{ name: 'client_name', value: 'Abrechnung', locale: 'de' }],
      },
    ],
    [
      'locale_list, the untagged member listed',
      { locale_list: { fields: ['client_name', 'tos_uri'], to: 'metadata', untagged: 'list' } },
      { client_name: 'Billing', 'tos_uri#fr': 'https://a.example/fr' },
      {
        metadata: [
          { name: 'client_name', value: 'Billing', locale: null },
          { name: 'tos_uri', value: 'https://a.example/fr', locale: 'fr' },
        ],
      },
    ],
    [
      'json_text, the members copied (body rules still see them)',
      { json_text: { fields: ['application_type', 'client_uri'], to: 'options.comment' } },
      { application_type: 'native', client_uri: 'https://a.example', client_name: 'B' },
      {
        application_type: 'native',
        client_uri: 'https://a.example',
        client_name: 'B',
        options: { comment: '{"application_type":"native","client_uri":"https://a.example"}' },
      },
    ],
  ])('%s', (_name, rule, standard, vendor) => {
    const compiled = table(rule);
    expect(compiled.toVendor(standard, scope)).toStrictEqual(vendor);
    expect(compiled.fromVendor(vendor, scope)).toStrictEqual(standard);
  });

  it('applies rules in order going out and in reverse order coming back', () => {
    const compiled = table(
      { enum_map: { token_endpoint_auth_method: { none: 'public' } } },
      { rename: { token_endpoint_auth_method: 'options.clientType' } },
    );
    expect(compiled.toVendor({ token_endpoint_auth_method: 'none' }, scope)).toStrictEqual({
      options: { clientType: 'public' },
    });
    expect(compiled.fromVendor({ options: { clientType: 'public' } }, scope)).toStrictEqual({
      token_endpoint_auth_method: 'none',
    });
  });

  it('reads vendor spellings leniently on the way back', () => {
    const compiled = table(
      { boolean_number: ['public'] },
      { member_flag: { list: 'grant_types', value: 'refresh_token', flag: 'offline' } },
    );
    expect(compiled.fromVendor({ public: '1', offline: '0' }, scope)).toStrictEqual({
      public: true,
    });
    expect(
      compiled.fromVendor({ offline: 1, grant_types: ['authorization_code'] }, scope),
    ).toStrictEqual({ grant_types: ['authorization_code', 'refresh_token'] });
    // A vendor list entry that is not one of ours stays for the vendor-only rules to drop.
    const locales = table({ locale_list: { fields: ['client_name'], to: 'metadata' } });
    expect(
      locales.fromVendor(
        { metadata: [{ name: 'custom', value: 'x', locale: 'de' }, 'junk'] },
        scope,
      ),
    ).toStrictEqual({ metadata: [{ name: 'custom', value: 'x', locale: 'de' }, 'junk'] });
  });

  it('json_text takes back only listed members the vendor record lacks, and tolerates junk', () => {
    const compiled = table({ json_text: { fields: ['application_type', 'scope'], to: 'note' } });
    expect(
      compiled.fromVendor(
        { scope: 'openid', note: '{"application_type":"web","scope":"email","x":1}' },
        scope,
      ),
    ).toStrictEqual({ scope: 'openid', application_type: 'web' });
    for (const note of ['not json', '[1]', 'null', 42, '"text"'])
      expect(compiled.fromVendor({ note, scope: 'openid' }, scope)).toStrictEqual({
        scope: 'openid',
      });
    expect(compiled.toVendor({ client_name: 'B' }, scope)).toStrictEqual({ client_name: 'B' });
  });

  it('refuses an enum map that could not be inverted', () => {
    expect(
      tableRule.safeParse({ enum_map: { method: { a: 'x', b: 'x' } } }).error?.issues[0]?.message,
    ).toBe(
      'each vendor value may stand for one standard value only (the rule is inverted on responses)',
    );
  });
});

/** Standard-looking records: names from a small set so rules meet them often. */
const NAMES = ['client_name', 'scope', 'token_endpoint_auth_method', 'public', 'max_age'];
const word = fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/);
const LOCALES = ['de', 'fr', 'pt-BR'];

describe('field table properties', () => {
  it('rename, enum_map, scope_list and locale_list come back as they went out', () => {
    const rules: TableRule[] = [
      tableRule.parse({
        enum_map: { token_endpoint_auth_method: { none: 'pkce', private_key_jwt: 'pkjwt' } },
      }),
      tableRule.parse({ locale_list: { fields: ['client_name'], to: 'metadata' } }),
      tableRule.parse({ scope_list: { from: 'scope', to: 'scopes' } }),
      tableRule.parse({
        rename: { client_name: 'options.displayName', token_endpoint_auth_method: 'method' },
      }),
    ];
    const compiled = compileTable(rules);
    const record = fc.record(
      {
        client_name: word,
        ...Object.fromEntries(LOCALES.map((tag) => [`client_name#${tag}`, word])),
        scope: fc
          .array(word, { minLength: 1, maxLength: 4 })
          .map((words) => [...new Set(words)].join(' ')),
        token_endpoint_auth_method: fc.constantFrom(
          'none',
          'private_key_jwt',
          'client_secret_basic',
        ),
      },
      { requiredKeys: [], noNullPrototype: true },
    );
    fc.assert(
      fc.property(record, (standard) => {
        const vendor = compiled.toVendor(standard, scope);
        expect(compiled.fromVendor(vendor, scope)).toStrictEqual(standard);
      }),
    );
  });

  it('number_string, boolean_number and seconds_millis come back as they went out', () => {
    const compiled = compileTable([
      tableRule.parse({ number_string: ['max_age'] }),
      tableRule.parse({ boolean_number: ['public'] }),
      tableRule.parse({ seconds_millis: ['client_id_issued_at'] }),
    ]);
    const record = fc.record(
      {
        max_age: fc.integer({ min: 0, max: 1e9 }),
        public: fc.boolean(),
        // Epoch seconds of real dates (2001-2096): below 1e11, which the inverse takes as seconds.
        client_id_issued_at: fc.integer({ min: 1e9, max: 4e9 }),
      },
      { requiredKeys: [], noNullPrototype: true },
    );
    fc.assert(
      fc.property(record, (standard) => {
        expect(compiled.fromVendor(compiled.toVendor(standard, scope), scope)).toStrictEqual(
          standard,
        );
      }),
    );
  });

  it('never changes members no rule names, and never mutates its input', () => {
    const compiled = compileTable([
      tableRule.parse({ rename: { client_name: 'name' } }),
      tableRule.parse({ boolean_number: ['public'] }),
    ]);
    const other = fc.dictionary(
      word.filter((key) => !NAMES.includes(key) && key !== 'name'),
      fc.jsonValue(),
      { maxKeys: 6, noNullPrototype: true },
    );
    fc.assert(
      fc.property(other, (record) => {
        const frozen = structuredClone(record);
        expect(compiled.toVendor(record, scope)).toStrictEqual(frozen);
        expect(compiled.fromVendor(record, scope)).toStrictEqual(frozen);
        expect(record).toStrictEqual(frozen);
      }),
    );
  });
});
