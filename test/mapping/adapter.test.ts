import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseYaml } from '../../src/lib/yaml-source.js';
import {
  createAdapter,
  loadMapping,
  loadMappingSource,
  type CompensationEvent,
  type VendorRequest,
  type VendorResponse,
} from '../../src/mapping/index.js';

/**
 * The vendor adapter on its own, with `send` scripted: which operations it offers, when a create
 * is compensated and when not, rotation as a changed state, and dry runs.
 */
const FIXTURES = resolve(import.meta.dirname, '../fixtures');
const NEVIS = loadMapping(resolve(FIXTURES, 'multi-call.yaml'));
const STANDARD_TEXT = readFileSync(
  resolve(import.meta.dirname, '../../mappings/rfc7591.yaml'),
  'utf8',
);
const STANDARD = loadMapping(resolve(import.meta.dirname, '../../mappings/rfc7591.yaml'));

type Script = (request: VendorRequest) => VendorResponse;

function scripted(script: Script) {
  const sent: VendorRequest[] = [];
  const events: CompensationEvent[] = [];
  return {
    sent,
    events,
    options: {
      params: { module: 'oauthv2', setupId: 's1', registration_path: '/register' },
      send: async (request: VendorRequest) => {
        sent.push(request);
        return script(request);
      },
      onCompensation: (event: CompensationEvent) => events.push(event),
    },
  };
}

const created: VendorResponse = {
  status: 201,
  body: { client_id: 'c1', client_secret: 's', client_name: 'x' },
};
const found: VendorResponse = { status: 200, body: { clientIds: ['e1'] } };
const deleted: VendorResponse = { status: 204, body: undefined };

describe('create and compensation', () => {
  it('keeps the entity id the second call finds, and compensates nothing', async () => {
    const vendor = scripted((r) => (r.call === 'register' ? created : found));
    const adapter = createAdapter(NEVIS, vendor.options);
    const result = await adapter.create({ redirect_uris: ['https://a.example/cb'] }, (c) => c);
    expect(result).toStrictEqual({
      record: { client_id: 'c1', client_secret: 's', client_name: 'x' },
      state: { entity_id: 'e1' },
      rotated: false,
    });
    expect(vendor.sent.map((r) => r.call)).toStrictEqual(['register', 'translate']);
    expect(vendor.events).toStrictEqual([]);
  });

  /** The translate call fails the first time only; the compensating lookup then finds the entity. */
  const failingOnce = (failure: () => VendorResponse): Script => {
    let translations = 0;
    return (request) => {
      if (request.call === 'register') return created;
      if (request.call === 'remove') return deleted;
      return translations++ === 0 ? failure() : found;
    };
  };

  it.each<[string, Script, (c: unknown) => unknown]>([
    ['the second call answers 500', failingOnce(() => ({ status: 500, body: {} })), (c) => c],
    [
      'the second call finds no entity id yet',
      failingOnce(() => ({ status: 200, body: { clientIds: [] } })),
      (c) => c,
    ],
    [
      'the second call is unreachable',
      failingOnce(() => {
        throw new Error('connection refused');
      }),
      (c) => c,
    ],
    [
      'the commit step (normalize, RAT issue) throws',
      (r) => (r.call === 'register' ? created : r.call === 'remove' ? deleted : found),
      () => {
        throw new Error('token too large');
      },
    ],
  ])('compensates when %s: looks the entity up and deletes it', async (_name, script, commit) => {
    const vendor = scripted(script);
    const adapter = createAdapter(NEVIS, vendor.options);
    await expect(adapter.create({}, commit)).rejects.toBeDefined();
    expect(vendor.sent.map((r) => r.call)).toStrictEqual([
      'register',
      'translate',
      'lookup',
      'remove',
    ]);
    expect(vendor.sent.at(-1)).toMatchObject({
      method: 'DELETE',
      path: '/v2/modules/oauthv2/setups/s1/clients/e1',
    });
    expect(vendor.events).toStrictEqual([{ clientId: 'c1' }]);
  });

  it('does not compensate when the creating call itself fails', async () => {
    const vendor = scripted(() => ({ status: 400, body: { error: 'INVALID_REDIRECT_URI' } }));
    const adapter = createAdapter(NEVIS, vendor.options);
    await expect(adapter.create({}, (c) => c)).rejects.toMatchObject({
      code: 'invalid_redirect_uri',
    });
    expect(vendor.sent.map((r) => r.call)).toStrictEqual(['register']);
    expect(vendor.events).toStrictEqual([]);
  });

  it('reports a compensation that fails, and still fails the create with the first error', async () => {
    const vendor = scripted((r) =>
      r.call === 'register'
        ? {
            status: 201,
            body: {
              client_id: 'c1',
              registration_client_uri: 'https://idp.example/r/c1',
              registration_access_token: 'v',
            },
          }
        : { status: 500, body: {} },
    );
    const adapter = createAdapter(STANDARD, vendor.options);
    await expect(
      adapter.create({}, () => {
        throw new Error('first');
      }),
    ).rejects.toThrow('first');
    expect(vendor.sent.map((r) => r.call)).toStrictEqual(['register', 'delete']);
    expect(vendor.events).toMatchObject([
      { clientId: 'c1', error: { code: 'backend_unavailable' } },
    ]);
  });
});

describe('generated values', () => {
  const GENERATING = `format_version: 1
id: generating
title: generates an id, a secret and the issue time
admin_auth: { kind: none }
capabilities:
  grant_types: [authorization_code]
  response_types: [code]
  token_endpoint_auth_methods: [client_secret_basic]
generate:
  client_id: { kind: id, prefix: dcr- }
  client_secret: { kind: secret }
  issued: { kind: timestamp }
operations:
  create:
    calls:
      - name: add
        method: POST
        path: /clients
        body: { from: metadata, rules: [{ keep: [client_id, client_secret, issued] }] }
        expect: [201]
        result: { rules: [{ set: { client_id_issued_at: '{var.issued}' } }] }
    keep: [issued]
    compensate: { calls: [{ name: remove, method: DELETE, path: /clients, expect: [204] }] }
`;

  it('makes an id, a secret and the epoch seconds of the create, into the body and the vars', async () => {
    const mapping = loadMappingSource(parseYaml('generating.yaml', GENERATING));
    const vendor = scripted(() => ({ status: 201, body: {} }));
    const before = Math.floor(Date.now() / 1000);
    const result = await createAdapter(mapping, vendor.options).create({}, (c) => c);
    const after = Math.floor(Date.now() / 1000);
    const body = vendor.sent[0]!.body as Record<string, string>;
    expect(body.client_id).toMatch(/^dcr-[0-9a-f]{32}$/);
    expect(body.client_secret).toMatch(/^[A-Za-z0-9]{43}$/);
    expect(body.issued).toMatch(/^\d+$/);
    expect(Number(body.issued)).toBeGreaterThanOrEqual(before);
    expect(Number(body.issued)).toBeLessThanOrEqual(after);
    expect(result).toStrictEqual({
      record: { client_id: body.client_id, client_id_issued_at: body.issued },
      state: { issued: body.issued },
      rotated: false,
    });
  });
});

describe('management', () => {
  it('marks a changed vendor RAT as rotated and an unchanged one as not', async () => {
    const state = {
      registration_access_token: 'v1',
      registration_client_uri: 'https://idp.example/r/c1',
    };
    for (const [answer, rotated] of [
      ['v2', true],
      ['v1', false],
    ] as const) {
      const vendor = scripted(() => ({
        status: 200,
        body: { client_id: 'c1', registration_access_token: answer },
      }));
      const outcome = await createAdapter(STANDARD, vendor.options).read('c1', state);
      expect(outcome.rotated).toBe(rotated);
      expect(outcome.state).toStrictEqual({ ...state, registration_access_token: answer });
    }
  });

  it('answers an operation the mapping lacks with 405 and the methods it has', async () => {
    const start = STANDARD_TEXT.indexOf('  delete:\n');
    const withoutDelete =
      STANDARD_TEXT.slice(0, start) +
      STANDARD_TEXT.slice(STANDARD_TEXT.indexOf('\nerrors:') + 1).replace(/examples:[\s\S]*$/, '');
    const withCompensation = withoutDelete.replace(
      '    keep: [registration_access_token, registration_client_uri]\n',
      '    keep: [registration_access_token, registration_client_uri]\n' +
        '    compensate:\n      calls:\n        - { name: undo, method: DELETE, url: "{var.registration_client_uri}", auth: { bearer: "{var.registration_access_token}" }, expect: [204] }\n',
    );
    const mapping = loadMappingSource(parseYaml('no-delete.yaml', withCompensation));
    const vendor = scripted(() => {
      throw new Error('no vendor call expected');
    });
    const adapter = createAdapter(mapping, vendor.options);
    expect(adapter.allowedMethods).toStrictEqual(['GET', 'HEAD', 'PUT']);
    await expect(adapter.delete('c', {})).rejects.toMatchObject({
      code: 'method_not_allowed',
      status: 405,
      headers: { allow: 'GET, HEAD, PUT' },
    });
    expect(vendor.sent).toStrictEqual([]);
  });
});

describe('dry runs', () => {
  it('renders every call it can and says which value only a vendor answer holds', async () => {
    const vendor = scripted(() => {
      throw new Error('a dry run sends nothing');
    });
    const run = await createAdapter(NEVIS, vendor.options).dryRun('create', {
      metadata: { redirect_uris: ['https://a.example/cb'] },
    });
    expect(run).toStrictEqual({
      requests: [
        {
          call: 'register',
          method: 'POST',
          path: '/v3/modules/oauthv2/setups/s1/clients',
          auth: 'admin',
          body: { redirect_uris: ['https://a.example/cb'], client_name: 'dcr client' },
        },
      ],
      secrets: [],
      stopped: 'call translate: {var.client_id} has no value',
    });
    expect(vendor.sent).toStrictEqual([]);
  });
});
