import { OAuthClientInformationFullSchema } from '@modelcontextprotocol/sdk/shared/auth.js';
import { describe, expect, it } from 'vitest';
import { call } from '../support/gateway.js';
import { MCP_CLIENT_BODIES, type McpClientBody } from './mcp-clients.js';
import {
  eachRoute,
  FORGEROCK_AM_ROUTE,
  IBM_VERIFY_ROUTE,
  LEMONLDAP_NG_ROUTE,
  NEVIS_ROUTE,
  ROUTES,
  SIMPLEIDSERVER_ROUTE,
} from './routes.js';
import {
  clientAnswer,
  expectErrorAnswer,
  expectHeaders,
  JSON_TYPE,
  NO_STORE,
  useRoute,
} from './wire.js';

/**
 * Every registration body real MCP clients send (`mcp-clients.ts`), replayed against every
 * route as the client sends it, with the verdict the table below expects:
 *
 * - registered: 201, and every member the client sent comes back equal;
 * - substituted: 201, and exactly the members named in `replaced` were registered otherwise
 *   (RFC 7591 §3.2.1: the answer says what was registered), every other member comes back equal;
 * - refused: 400 with the error and description given, for a body no usable client can be
 *   registered from on that route; the row says why. No real client is refused today.
 *
 * Registered and substituted answers must also pass the MCP TypeScript SDK's client-side
 * schema, and read back unchanged with the RAT they carry.
 */

/** A member the route registered without: absent from the answer. */
const LEFT_OUT = Symbol('left out');

type Verdict =
  | { readonly case: 'registered' }
  | {
      readonly case: 'substituted';
      /** Each member registered otherwise than sent: its registered value, or LEFT_OUT. */
      readonly replaced: Readonly<Record<string, unknown>>;
      readonly why: string;
    }
  | {
      readonly case: 'refused';
      readonly error: 'invalid_client_metadata' | 'invalid_redirect_uri';
      readonly description: string;
      /** Why no client was registered. */
      readonly why: string;
      /** What was reported: a real client cannot register through the route. */
      readonly finding: string;
    };

interface Row {
  /** The verdict on every route not named in `routes`. */
  readonly verdict: Verdict;
  /** Routes (by `ConformanceRoute.name`) whose backend gives another verdict. */
  readonly routes?: Readonly<Record<string, Verdict>>;
}

const REGISTERED: Row = { verdict: { case: 'registered' } };

const substituted = (replaced: Record<string, unknown>, why: string): Row => ({
  verdict: { case: 'substituted', replaced, why },
});

const NATIVE = { application_type: 'native' };
const NATIVE_WHY =
  'no application_type, and a redirect URI only a native client may use (private-use scheme): ' +
  'registered as native (OIDC Registration §2)';

/** VS Code asks for device_code, which the backend cannot register; the rest is usable. */
const WITHOUT_DEVICE_CODE = { grant_types: ['authorization_code', 'refresh_token'] };
const DEVICE_CODE_WHY =
  'the backend has no device_code grant: dropped, authorization_code and refresh_token remain';

/**
 * The backend knows the scope values openid and offline_access; the route drops the others
 * (RFC 6749 §3.3, RFC 7591 §2) and registers what is left, or no scope.
 */
const unknownScope = (scope: string, origin: string, kept?: string): Row =>
  substituted(
    { scope: kept ?? LEFT_OUT },
    `scope "${scope}" (${origin}) holds values the backend does not know: ` +
      (kept === undefined ? 'left out' : `registered as "${kept}"`),
  );

/** `scope: ""` requests no scope: registered without one. */
const emptyScope = (origin: string): Row =>
  substituted({ scope: LEFT_OUT }, `an empty scope (${origin}) requests no scope: left out`);

const LOOPBACK_WHY =
  'SimpleIdServer refuses http and localhost redirect URIs for web clients; a loopback ' +
  "redirect is a native app's (RFC 8252 §7.3), so the client is registered as native";

/** `row`, with the client registered as native on the SimpleIdServer route, which refuses loopback web clients. */
function loopbackNativeOnSimpleIdServer(row: Row): Row {
  const { verdict } = row;
  const substituted = verdict.case === 'substituted';
  const onRoute: Verdict = {
    case: 'substituted',
    replaced: substituted ? { ...verdict.replaced, ...NATIVE } : NATIVE,
    why: substituted ? `${verdict.why}; ${LOOPBACK_WHY}` : LOOPBACK_WHY,
  };
  return { ...row, routes: { ...row.routes, [SIMPLEIDSERVER_ROUTE]: onRoute } };
}

/** The expected case per client, keyed by `McpClientBody.client`. */
const VERDICTS: Readonly<Record<string, Row>> = {
  'Claude (claude.ai custom connector), June 2025': unknownScope(
    'claudeai',
    'claude.ai sends it whatever the server advertises',
  ),
  'Claude (claude.ai custom connector), captured 2026-08-09': unknownScope(
    'reading-room',
    "copied from another server's scopes_supported; against this route Claude would copy what it advertises",
  ),
  'Claude (claude.ai / Claude Desktop connector), September 2026, confidential request': REGISTERED,
  'Claude Code CLI v2.1.226, captured 2026-08-09': loopbackNativeOnSimpleIdServer(REGISTERED),
  'Claude Code 2.1 with application_type, 2026': REGISTERED,
  'Cursor 1.x, June 2025 (cursor-retrieval deep link)': substituted(NATIVE, NATIVE_WHY),
  'Cursor 3.x before 3.13 (cursor-mcp deep link, application_type "web"), 2026': substituted(
    NATIVE,
    'it says web, but its only redirect URI is a private-use scheme no web client may use: ' +
      'registered as native, with exactly the URIs it asked for',
  ),
  'Cursor 3.13 (IDE, cursor-agent CLI, Cloud Agents), September 2026': substituted(
    NATIVE,
    NATIVE_WHY,
  ),
  'VS Code 1.101 (first MCP dynamic registration), June 2025': loopbackNativeOnSimpleIdServer(
    substituted(WITHOUT_DEVICE_CODE, DEVICE_CODE_WHY),
  ),
  'VS Code, mid 2025, server advertising grant types and scopes': loopbackNativeOnSimpleIdServer(
    unknownScope(
      'mcp:tools',
      "the protected resource's scopes_supported assumed by the corpus entry",
    ),
  ),
  'VS Code 1.106 and later (no CIMD on the server), 2026': substituted(
    WITHOUT_DEVICE_CODE,
    DEVICE_CODE_WHY,
  ),
  'ChatGPT connectors, 2025 (fixed callback)': REGISTERED,
  'ChatGPT apps, 2026 (per-connector callback)': REGISTERED,
  'MCP Inspector (recorded as v2.1.0), captured 2026-08-09': emptyScope(
    'the Inspector sends "" when the server advertises no scopes',
  ),
  'MCP Inspector 0.1x (normal and debug callbacks), 2025': loopbackNativeOnSimpleIdServer(
    emptyScope('the Inspector sends "" when the server advertises no scopes'),
  ),
  'MCP TypeScript SDK example client (simpleOAuthClient), 2025': loopbackNativeOnSimpleIdServer(
    unknownScope('mcp:tools', 'fixed in the example client'),
  ),
  'MCP TypeScript SDK example client with SEP-837 inference, 2026': unknownScope(
    'mcp:tools',
    'fixed in the example client',
  ),
  'MCP Python SDK example client (simple-auth-client), 2025':
    loopbackNativeOnSimpleIdServer(REGISTERED),
  'MCP Python SDK example client after SEP-837, June 2026': REGISTERED,
  'mcp-remote 0.1.38 (proxy), 2026': loopbackNativeOnSimpleIdServer({
    ...substituted(
      { scope: 'openid', software_id: LEFT_OUT, software_version: LEFT_OUT },
      'scope "openid email profile" (its last-resort default) holds values the backend does not ' +
        'know: registered as "openid"; the backend (oidc-provider, SimpleIdServer) does not ' +
        'store software_id and software_version, so the answer leaves them out',
    ),
    routes: {
      [LEMONLDAP_NG_ROUTE]: substituted(
        { software_id: LEFT_OUT, software_version: LEFT_OUT },
        'LemonLDAP::NG knows openid, email and profile; the mapping stores no software_id and ' +
          'software_version, so the answer leaves them out',
      ).verdict,
      [FORGEROCK_AM_ROUTE]: substituted(
        { scope: 'profile email openid', software_id: LEFT_OUT, software_version: LEFT_OUT },
        'AM knows all three scope values and answers them in an order of its own (scope is a ' +
          'set, RFC 6749 section 3.3); AM does not store software_id and software_version',
      ).verdict,
      // The sandbox setup knows all three scope values; nevisMeta stores both software members.
      [NEVIS_ROUTE]: REGISTERED.verdict,
      [IBM_VERIFY_ROUTE]: substituted(
        { scope: 'openid' },
        'the sandbox tenant knows openid only of the three; IBM stores software_id and the ' +
          'gateway keeps software_version, which IBM has no field for',
      ).verdict,
    },
  }),
  'Cline (VS Code extension, vscode:// callback), late 2025': {
    ...substituted(
      { ...NATIVE, software_id: LEFT_OUT },
      `${NATIVE_WHY}; the backend (oidc-provider, SimpleIdServer) does not store software_id, so the answer leaves it out`,
    ),
    routes: {
      [NEVIS_ROUTE]: substituted(NATIVE, `${NATIVE_WHY}; nevisMeta stores software_id`).verdict,
      [IBM_VERIFY_ROUTE]: substituted(NATIVE, `${NATIVE_WHY}; IBM stores software_id`).verdict,
    },
  },
  'Cline (loopback callback), 2026': loopbackNativeOnSimpleIdServer(REGISTERED),
  'Goose (own MCP client OAuth), mid 2025': loopbackNativeOnSimpleIdServer(REGISTERED),
  'Goose (rmcp DCR fallback when the server offers no CIMD), 2026':
    loopbackNativeOnSimpleIdServer(REGISTERED),
  'Codex CLI 0.147, 2026': REGISTERED,
  'Zed (early MCP OAuth, zed:// callback), 2025': substituted(NATIVE, NATIVE_WHY),
  'Zed (loopback callback, no CIMD on the server), 2026':
    loopbackNativeOnSimpleIdServer(REGISTERED),
  'Gemini CLI (first MCP OAuth provider), mid 2025': loopbackNativeOnSimpleIdServer(
    substituted(
      { scope: LEFT_OUT, code_challenge_method: LEFT_OUT },
      'an empty scope (sent when no scopes are configured) requests no scope: left out; ' +
        'code_challenge_method is no client metadata (RFC 7591, OIDC): dropped',
    ),
  ),
  'Gemini CLI, 2026': loopbackNativeOnSimpleIdServer(
    emptyScope('Gemini CLI sends "" when no scopes are configured'),
  ),
  'OpenCode, 2026': loopbackNativeOnSimpleIdServer(REGISTERED),
};

function verdictOn(routeName: string, entry: McpClientBody): Verdict {
  const row = VERDICTS[entry.client];
  if (row === undefined) throw new Error(`no verdict for ${entry.client}`);
  return row.routes?.[routeName] ?? row.verdict;
}

/** The members the route registers for `body` under `verdict`. */
function registeredMembers(body: Readonly<Record<string, unknown>>, verdict: Verdict) {
  const members: Record<string, unknown> = { ...body };
  if (verdict.case !== 'substituted') return members;
  for (const [member, value] of Object.entries(verdict.replaced)) {
    if (value === LEFT_OUT) delete members[member];
    else members[member] = value;
  }
  return members;
}

describe('the verdict table', () => {
  it('has one row per body in the corpus, and no other', () => {
    expect(Object.keys(VERDICTS).sort()).toStrictEqual(
      MCP_CLIENT_BODIES.map((entry) => entry.client).sort(),
    );
  });

  it('names only routes that exist in its per-route verdicts', () => {
    const names = new Set(ROUTES.map((route) => route.name));
    for (const [client, row] of Object.entries(VERDICTS))
      for (const name of Object.keys(row.routes ?? {})) expect(names, client).toContain(name);
  });
});

describe.each(eachRoute())('%s', (routeName, route) => {
  const running = useRoute(route);

  const rows = MCP_CLIENT_BODIES.map((entry) => {
    const verdict = verdictOn(routeName, entry);
    const title = `${entry.client}: ${verdict.case}${verdict.case === 'refused' ? ' (finding)' : ''}`;
    return [title, entry, verdict] as const;
  });

  it.each(rows)('%s', async (_title, { body }, verdict) => {
    const response = await call('POST', running.register, { body });

    if (verdict.case === 'refused') {
      expectErrorAnswer(response, { status: 400, ...verdict });
      return;
    }

    expect(response.status, response.text).toBe(201);
    expectHeaders(response.headers, { ...JSON_TYPE, ...NO_STORE });
    const answer = response.body;
    expect(answer).toStrictEqual(
      clientAnswer(route, running.started, answer.client_id, registeredMembers(body, verdict)),
    );
    if (verdict.case === 'substituted') {
      // A row that names a member the route kept as sent would hide a registered client.
      for (const [member, value] of Object.entries(verdict.replaced))
        expect(body[member], member).not.toStrictEqual(value === LEFT_OUT ? undefined : value);
    }

    const parsed = OAuthClientInformationFullSchema.safeParse(answer);
    expect(parsed.error?.issues).toBeUndefined();

    const read = await call('GET', answer.registration_client_uri, {
      token: answer.registration_access_token,
    });
    expect(read.status, read.text).toBe(200);
    expectHeaders(read.headers, { ...JSON_TYPE, ...NO_STORE });
    expect(read.body).toStrictEqual(answer);
  });
});
