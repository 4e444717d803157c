/**
 * Registration request bodies that real MCP clients send to an authorization server's RFC 7591
 * registration endpoint (`POST /register`, `Content-Type: application/json`).
 *
 * The conformance suite (`mcp-clients.test.ts`) replays each body against every route and
 * asserts the verdict its table gives: registered, substituted (naming each member registered
 * otherwise) or refused. Real clients must succeed: a route that refuses one of these refuses a
 * client people actually use, so every refused row there is a reported finding.
 *
 * How the corpus was built:
 *
 * - Every entry names where its facts come from in `source`: the client's own source code
 *   (repository + path), a wire capture someone published (repository + path of the capture, or
 *   the issue or pull request it was pasted in), or an official documentation page. Nothing is
 *   taken from a blog post or from what a server merely allowlists.
 * - `confidence: 'verbatim'` means every member and value in `body` is what the source shows the
 *   client sending. `confidence: 'reconstructed'` means part of the body had to be filled in or
 *   chosen (a port the client picks at runtime, a hash it derives from the server URL, a scope it
 *   copies from the server's metadata, a member whose presence the source does not settle); the
 *   `source` text then says exactly which part.
 * - Members a client is not known to send are left out rather than guessed. Where a client sends
 *   different bodies across versions, or depending on the server's metadata, there is one entry
 *   per shape.
 * - Values keep the clients' own vendor hosts for their hosted callbacks (claude.ai, chatgpt.com,
 *   vscode.dev, cursor.com) and otherwise only loopback addresses; runtime-chosen values are
 *   replaced by a fixed, plausible one (ports, callback hashes, connector ids). Member order
 *   follows the source where it shows one.
 *
 * Things a strict authorization server commonly refuses, all of them present here on purpose:
 * the device-code grant (VS Code), private-use redirect schemes (`cursor://`, `vscode://`,
 * `zed://`), `application_type: "web"` next to a private-use redirect (Cursor), no
 * `application_type` at all with loopback or private-use redirects (Claude Code, Cursor, Cline,
 * Zed, ...),
 * loopback redirects without a path or without a port, an empty `scope` string (MCP Inspector,
 * Gemini CLI), scopes the server never advertised (claude.ai's `claudeai`, mcp-remote's OIDC
 * fallback), confidential `client_secret_post` requests from CLI and hosted clients, and a
 * non-RFC 7591 member (`code_challenge_method`, early Gemini CLI).
 */
export interface McpClientBody {
  /** Client and version or date the body was observed for. */
  readonly client: string;
  /** Where the facts come from: repository + path or issue number, or page URL (no guesses). */
  readonly source: string;
  /** Which parts are confirmed by the source and which are reconstructed (e.g. port chosen). */
  readonly confidence: 'verbatim' | 'reconstructed';
  readonly body: Readonly<Record<string, unknown>>;
}

export const MCP_CLIENT_BODIES: readonly McpClientBody[] = [
  // --- Claude (claude.ai web; Claude Desktop, mobile and Cowork share the same backend) ---
  {
    client: 'Claude (claude.ai custom connector), June 2025',
    source:
      'modelcontextprotocol/modelcontextprotocol issue #653 ("Claude.ai sends invalid scope ' +
      '\\"claudeai\\""), body pasted by a server operator on 2025-06-09. The scope is not taken ' +
      "from the server's scopes_supported.",
    confidence: 'verbatim',
    body: {
      client_name: 'claudeai',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      scope: 'claudeai',
      redirect_uris: ['https://claude.ai/api/mcp/auth_callback'],
    },
  },
  {
    client: 'Claude (claude.ai custom connector), captured 2026-08-09',
    source:
      'popmechanic/Julian docs/superpowers/specs/2026-08-09-cimd-probe-protocol.md ("Results", ' +
      'record 3: logged verbatim by an instrumented authorization server; backend user agent ' +
      'python-httpx/0.28.1). The scope is the one value that server listed in scopes_supported; ' +
      'Claude copies whatever the server advertises.',
    confidence: 'verbatim',
    body: {
      redirect_uris: ['https://claude.ai/api/mcp/auth_callback'],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      scope: 'reading-room',
      client_name: 'Claude',
      application_type: 'web',
    },
  },
  {
    client: 'Claude (claude.ai / Claude Desktop connector), September 2026, confidential request',
    source:
      'anthropics/claude-ai-mcp issue #1043: against an authorization server advertising ' +
      'token_endpoint_auth_methods_supported ["none","client_secret_basic","client_secret_post"] ' +
      'the connector asked for token_endpoint_auth_method "client_secret_post" (604-byte body, ' +
      'not pasted). Reconstructed: every other member is copied from the 2026-08-09 capture ' +
      '(popmechanic/Julian, see above); scope is left out because that server advertised none; ' +
      'the real body may carry further members the issue does not show.',
    confidence: 'reconstructed',
    body: {
      redirect_uris: ['https://claude.ai/api/mcp/auth_callback'],
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      client_name: 'Claude',
      application_type: 'web',
    },
  },

  // --- Claude Code ---
  {
    client: 'Claude Code CLI v2.1.226, captured 2026-08-09',
    source:
      'popmechanic/Julian docs/superpowers/specs/2026-08-09-cimd-probe-protocol.md ("Results", ' +
      'record 1: `claude mcp add --transport http gate-probe <url>`). client_name is ' +
      '"Claude Code (<name given to claude mcp add>)"; the port varies per session (3118 here).',
    confidence: 'verbatim',
    body: {
      client_name: 'Claude Code (gate-probe)',
      redirect_uris: ['http://localhost:3118/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    },
  },
  {
    client: 'Claude Code 2.1 with application_type, 2026',
    source:
      'elmohq/elmo pull request #684 ("What each client sends ... captured, not assumed": ' +
      'Claude Code 2.1 registers application_type "native" with http://localhost:3118/callback). ' +
      'Reconstructed: the PR lists only those two facts, so the other members and the ' +
      'client_name pattern come from the v2.1.226 capture above (server name "example"); the ' +
      'two captures disagree on whether application_type is sent, so both shapes are kept.',
    confidence: 'reconstructed',
    body: {
      client_name: 'Claude Code (example)',
      redirect_uris: ['http://localhost:3118/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
    },
  },

  // --- Cursor ---
  {
    client: 'Cursor 1.x, June 2025 (cursor-retrieval deep link)',
    source:
      'modelcontextprotocol/python-sdk issue #897 and pull request #895 ("Support Cursor OAuth ' +
      'client registration": Cursor registers a custom-scheme redirect_uri that AnyHttpUrl ' +
      'rejected); keboola/mcp-server pull request #143. The path is ' +
      '/oauth/user-<server name from mcp.json>/callback (server name "example" chosen here). ' +
      'Reconstructed: none of these sources shows the other members of the body, so only ' +
      'redirect_uris is given.',
    confidence: 'reconstructed',
    body: {
      redirect_uris: ['cursor://anysphere.cursor-retrieval/oauth/user-example/callback'],
    },
  },
  {
    client: 'Cursor 3.x before 3.13 (cursor-mcp deep link, application_type "web"), 2026',
    source:
      'buildinternet/uploads pull request #886 and elie222/inbox-zero pull request #3780 ' +
      '(Cursor sends application_type "web" with cursor://anysphere.cursor-mcp/oauth/callback; ' +
      'Cursor forum thread 136907 "Cursor does not send application_type native when ' +
      'registering MCP OAuth clients"); different-ai/openwork pull request #3059 ' +
      '(token_endpoint_auth_method "none"). Reconstructed: no full body is pasted; client_name, ' +
      'grant_types and response_types are not shown and are left out.',
    confidence: 'reconstructed',
    body: {
      application_type: 'web',
      redirect_uris: ['cursor://anysphere.cursor-mcp/oauth/callback'],
      token_endpoint_auth_method: 'none',
    },
  },
  {
    client: 'Cursor 3.13 (IDE, cursor-agent CLI, Cloud Agents), September 2026',
    source:
      'erp-mafia/accounted pull request #2225 (three redirect URIs in one request, per Cursor ' +
      'staff on forum.cursor.com thread 165019); soflyy/agent-connector-for-wp issue #111; ' +
      'better-auth/better-auth pull request #10956 (Cursor 3.13.25 omits application_type and ' +
      'sends token_endpoint_auth_method "none"); https://cursor.com/docs/context/mcp (the https ' +
      'and loopback callbacks). Reconstructed: the order of redirect_uris is not settled by the ' +
      'sources, and client_name, grant_types and response_types are not shown and are left out. ' +
      'No application_type next to a private-use redirect is the point of this entry.',
    confidence: 'reconstructed',
    body: {
      redirect_uris: [
        'cursor://anysphere.cursor-mcp/oauth/callback',
        'https://www.cursor.com/agents/mcp/oauth/callback',
        'http://localhost:8787/callback',
      ],
      token_endpoint_auth_method: 'none',
    },
  },

  // --- VS Code (also GitHub Copilot Chat, which delegates MCP OAuth to VS Code) ---
  {
    client: 'VS Code 1.101 (first MCP dynamic registration), June 2025',
    source:
      'microsoft/vscode src/vs/base/common/oauth.ts, the fetchDynamicRegistration(' +
      'registrationEndpoint, clientName) revision, and its test in ' +
      'src/vs/base/test/common/oauth.test.ts asserting these grant_types and redirect_uris. ' +
      'client_name is the product nameLong passed from extHostAuthentication.ts ' +
      '(environment.appName); "Visual Studio Code" for the stable build, ' +
      '"Visual Studio Code - Insiders" for Insiders, "Code - OSS" for OSS builds.',
    confidence: 'verbatim',
    body: {
      client_name: 'Visual Studio Code',
      client_uri: 'https://code.visualstudio.com',
      grant_types: [
        'authorization_code',
        'refresh_token',
        'urn:ietf:params:oauth:grant-type:device_code',
      ],
      response_types: ['code'],
      redirect_uris: [
        'https://insiders.vscode.dev/redirect',
        'https://vscode.dev/redirect',
        'http://localhost/',
        'http://127.0.0.1/',
        'http://localhost:33418/',
        'http://127.0.0.1:33418/',
      ],
      token_endpoint_auth_method: 'none',
    },
  },
  {
    client: 'VS Code, mid 2025, server advertising grant types and scopes',
    source:
      'microsoft/vscode src/vs/base/common/oauth.ts, the fetchDynamicRegistration(' +
      'serverMetadata, clientName, scopes) revision before application_type was added: ' +
      "grant_types is the server's grant_types_supported filtered to the three VS Code " +
      "supports, scope is the protected resource's scopes_supported joined by spaces (left out " +
      'when the server has none). Reconstructed: the server is assumed to advertise ' +
      'grant_types_supported ["authorization_code","refresh_token"] and scopes_supported ' +
      '["mcp:tools"].',
    confidence: 'reconstructed',
    body: {
      client_name: 'Visual Studio Code',
      client_uri: 'https://code.visualstudio.com',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [
        'https://insiders.vscode.dev/redirect',
        'https://vscode.dev/redirect',
        'http://localhost/',
        'http://127.0.0.1/',
        'http://localhost:33418/',
        'http://127.0.0.1:33418/',
      ],
      scope: 'mcp:tools',
      token_endpoint_auth_method: 'none',
    },
  },
  {
    client: 'VS Code 1.106 and later (no CIMD on the server), 2026',
    source:
      'microsoft/vscode src/vs/base/common/oauth.ts (fetchDynamicRegistration, ' +
      'DEFAULT_AUTH_FLOW_PORT = 33418), for a server without grant_types_supported and a ' +
      'protected resource without scopes_supported (scope is then undefined and dropped by ' +
      'JSON.stringify). The DCR POST is not given the VS Code user agent. Servers offering CIMD ' +
      'get https://vscode.dev/oauth/client-metadata.json as client_id instead.',
    confidence: 'verbatim',
    body: {
      client_name: 'Visual Studio Code',
      client_uri: 'https://code.visualstudio.com',
      grant_types: [
        'authorization_code',
        'refresh_token',
        'urn:ietf:params:oauth:grant-type:device_code',
      ],
      response_types: ['code'],
      redirect_uris: [
        'https://insiders.vscode.dev/redirect',
        'https://vscode.dev/redirect',
        'http://127.0.0.1/',
        'http://127.0.0.1:33418/',
      ],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
    },
  },

  // --- ChatGPT (connectors / apps in developer mode) ---
  {
    client: 'ChatGPT connectors, 2025 (fixed callback)',
    source:
      'https://developers.openai.com/apps-sdk/build/auth (the legacy fixed callback ' +
      'https://chatgpt.com/connector_platform_oauth_redirect, still accepted). Reconstructed: ' +
      'OpenAI does not document the rest of the DCR body and no capture was found, so only ' +
      'redirect_uris is given.',
    confidence: 'reconstructed',
    body: {
      redirect_uris: ['https://chatgpt.com/connector_platform_oauth_redirect'],
    },
  },
  {
    client: 'ChatGPT apps, 2026 (per-connector callback)',
    source:
      'https://developers.openai.com/apps-sdk/build/auth ("ChatGPT completes the OAuth flow by ' +
      'redirecting to https://chatgpt.com/connector/oauth/{callback_id}"; CIMD is used instead ' +
      'of DCR when the server supports it). Reconstructed: the callback id is chosen here, and ' +
      'the rest of the DCR body is undocumented, so only redirect_uris is given.',
    confidence: 'reconstructed',
    body: {
      redirect_uris: ['https://chatgpt.com/connector/oauth/a1B2c3D4e5F6'],
    },
  },

  // --- MCP Inspector ---
  {
    client: 'MCP Inspector (recorded as v2.1.0), captured 2026-08-09',
    source:
      'popmechanic/Julian docs/superpowers/specs/2026-08-09-cimd-probe-protocol.md ("Results", ' +
      'record 2, `npx @modelcontextprotocol/inspector`, streamable HTTP). application_type is ' +
      "added by the TypeScript SDK's SEP-837 inference; scope is an empty string when the server " +
      'advertises no scopes.',
    confidence: 'verbatim',
    body: {
      redirect_uris: ['http://localhost:6274/oauth/callback'],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      client_name: 'MCP Inspector',
      client_uri: 'https://github.com/modelcontextprotocol/inspector',
      scope: '',
      application_type: 'native',
    },
  },
  {
    client: 'MCP Inspector 0.1x (normal and debug callbacks), 2025',
    source:
      'modelcontextprotocol/inspector client/src/lib/auth.ts (InspectorOAuthClientProvider.' +
      'clientMetadata: both /oauth/callback and /oauth/callback/debug, see inspector issue ' +
      '#825). Reconstructed: the origin is window.location.origin, here the default ' +
      'http://localhost:6274; scope is the discovered scopes_supported, here none discovered, so ' +
      '"". The SDK of that time added no application_type.',
    confidence: 'reconstructed',
    body: {
      redirect_uris: [
        'http://localhost:6274/oauth/callback',
        'http://localhost:6274/oauth/callback/debug',
      ],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      client_name: 'MCP Inspector',
      client_uri: 'https://github.com/modelcontextprotocol/inspector',
      scope: '',
    },
  },

  // --- MCP SDKs (the SDKs post the application's clientMetadata as given) ---
  {
    client: 'MCP TypeScript SDK example client (simpleOAuthClient), 2025',
    source:
      'modelcontextprotocol/typescript-sdk src/examples/client/simpleOAuthClient.ts ' +
      '(clientMetadata in InteractiveOAuthClient.connect; CALLBACK_PORT 8090). A CLI client ' +
      'asking for a confidential client_secret_post registration.',
    confidence: 'verbatim',
    body: {
      client_name: 'Simple OAuth MCP Client',
      redirect_uris: ['http://localhost:8090/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
      scope: 'mcp:tools',
    },
  },
  {
    client: 'MCP TypeScript SDK example client with SEP-837 inference, 2026',
    source:
      'modelcontextprotocol/typescript-sdk pull request #2266 (registerClient infers ' +
      'application_type "native" when every redirect URI is loopback or a custom scheme and the ' +
      'application sent none) applied to src/examples/client/simpleOAuthClient.ts. ' +
      'Reconstructed: the position of application_type in the body.',
    confidence: 'reconstructed',
    body: {
      client_name: 'Simple OAuth MCP Client',
      redirect_uris: ['http://localhost:8090/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
      scope: 'mcp:tools',
      application_type: 'native',
    },
  },
  {
    client: 'MCP Python SDK example client (simple-auth-client), 2025',
    source:
      'modelcontextprotocol/python-sdk examples/clients/simple-auth-client/' +
      'mcp_simple_auth_client/main.py (client_metadata_dict; CallbackServer port 3030).',
    confidence: 'verbatim',
    body: {
      client_name: 'Simple Auth Client',
      redirect_uris: ['http://localhost:3030/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    },
  },
  {
    client: 'MCP Python SDK example client after SEP-837, June 2026',
    source:
      'modelcontextprotocol/python-sdk pull request #2930 (OAuthClientMetadata.application_type ' +
      'defaults to "native" and is serialized into the /register body) applied to ' +
      'examples/clients/simple-auth-client/mcp_simple_auth_client/main.py. Reconstructed: the ' +
      'position of application_type in the body.',
    confidence: 'reconstructed',
    body: {
      client_name: 'Simple Auth Client',
      redirect_uris: ['http://localhost:3030/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
      application_type: 'native',
    },
  },

  // --- mcp-remote (also what Claude Desktop registers as when bridged through it) ---
  {
    client: 'mcp-remote 0.1.38 (proxy), 2026',
    source:
      'geelen/mcp-remote src/lib/node-oauth-client-provider.ts (clientMetadata, ' +
      'getEffectiveScope) with clientName "MCP CLI Proxy" from src/proxy.ts and software_id ' +
      'default 2e6dc280-f3c3-4e01-99a7-8181dbd1d23d; anthropics/claude-code issue #24870 shows ' +
      'Claude Desktop registering "MCP CLI Proxy" at http://localhost:35535/oauth/callback this ' +
      'way. Reconstructed: the port (calculateDefaultPort derives 3335-49150 from the server URL ' +
      'hash; 35535 from that issue), and the scope, which is the last-resort default used when ' +
      'neither the challenge, the protected resource nor the authorization server gives one.',
    confidence: 'reconstructed',
    body: {
      redirect_uris: ['http://localhost:35535/oauth/callback'],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      client_name: 'MCP CLI Proxy',
      client_uri: 'https://github.com/modelcontextprotocol/mcp-cli',
      software_id: '2e6dc280-f3c3-4e01-99a7-8181dbd1d23d',
      software_version: '0.1.38',
      scope: 'openid email profile',
    },
  },

  // --- Cline ---
  {
    client: 'Cline (VS Code extension, vscode:// callback), late 2025',
    source:
      'cline/cline src/services/mcp/McpOAuthManager.ts (ClineOAuthClientProvider.clientMetadata; ' +
      'redirect is HostProvider.getCallbackUrl() + /mcp-auth/callback/<hash>, the hash being the ' +
      'first 16 hex digits of sha256("<server name>:<server url>")). Reconstructed: the hash ' +
      'value.',
    confidence: 'reconstructed',
    body: {
      redirect_uris: ['vscode://saoudrizwan.claude-dev/mcp-auth/callback/3f9a1c2e7b4d8f06'],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      client_name: 'Cline',
      client_uri: 'https://cline.bot',
      software_id: 'cline',
    },
  },
  {
    client: 'Cline (loopback callback), 2026',
    source:
      'cline/cline apps/vscode/src/services/mcp/McpOAuthManager.ts (ClineOAuthClientProvider.' +
      'clientMetadata with DEFAULT_HTTP_MCP_REDIRECT_URL; the interactive flow binds the first ' +
      'free port of 1456-1461 and registers that one, so 1456 is the usual value).',
    confidence: 'verbatim',
    body: {
      redirect_uris: ['http://127.0.0.1:1456/mcp/oauth/callback'],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      client_name: 'Cline',
    },
  },

  // --- Goose ---
  {
    client: 'Goose (own MCP client OAuth), mid 2025',
    source:
      'block/goose, the Rust OAuth module of the 2025 MCP client (ServiceConfig::' +
      'from_mcp_endpoint and OAuthFlow::register_client, with its unit test asserting ' +
      'redirect_uri "http://localhost:8020", client_name "Goose MCP Client"). Note the loopback ' +
      'redirect without a path.',
    confidence: 'verbatim',
    body: {
      redirect_uris: ['http://localhost:8020'],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      client_name: 'Goose MCP Client',
      client_uri: 'https://github.com/block/goose',
    },
  },
  {
    client: 'Goose (rmcp DCR fallback when the server offers no CIMD), 2026',
    source:
      'block/goose crates/goose/src/oauth/mod.rs (redirect http://127.0.0.1:<port>/' +
      'oauth_callback, client name "goose", no scopes) through ' +
      'modelcontextprotocol/rust-sdk crates/rmcp/src/transport/auth.rs ' +
      '(AuthorizationManager::register_client builds this ClientRegistrationRequest). ' +
      'Reconstructed: the port (OS-ephemeral unless GOOSE_OAUTH_CALLBACK_PORT); whether the ' +
      'rmcp version Goose pins also adds application_type is not settled, so it is left out.',
    confidence: 'reconstructed',
    body: {
      client_name: 'goose',
      redirect_uris: ['http://127.0.0.1:50411/oauth_callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_method: 'none',
      response_types: ['code'],
    },
  },

  // --- OpenAI Codex CLI ---
  {
    client: 'Codex CLI 0.147, 2026',
    source:
      'openai/codex codex-rs/rmcp-client/src/oauth_client_registration.rs ' +
      '(AuthorizationRequest::with_client_name("Codex")) through rmcp ' +
      '3.0.0-beta.3 register_client; elmohq/elmo pull request #684 captured application_type ' +
      '"native" and an ephemeral http://127.0.0.1:37819/callback/... redirect. Reconstructed: the ' +
      'callback id (base64url of the first 9 bytes of sha256(server url)) and the member order; ' +
      'scope is sent only when the server names scopes and is left out here.',
    confidence: 'reconstructed',
    body: {
      client_name: 'Codex',
      redirect_uris: ['http://127.0.0.1:37819/callback/Xk3mQ9vLpA2r'],
      grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_method: 'none',
      response_types: ['code'],
      application_type: 'native',
    },
  },

  // --- Zed ---
  {
    client: 'Zed (early MCP OAuth, zed:// callback), 2025',
    source:
      'zed-industries/zed crates/context_server/src/oauth.rs, the OAuthClient::register ' +
      'revision with OAuthCallback::URI = "zed://mcp/oauth/callback". A private-use scheme ' +
      'without reverse-domain form, and an https logo_uri.',
    confidence: 'verbatim',
    body: {
      redirect_uris: ['zed://mcp/oauth/callback'],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      client_name: 'Zed',
      client_uri: 'https://zed.dev',
      logo_uri: 'https://zed.dev/_next/static/media/stable-app-logo.9b5f959f.png',
    },
  },
  {
    client: 'Zed (loopback callback, no CIMD on the server), 2026',
    source:
      'zed-industries/zed crates/context_server/src/oauth.rs (dcr_registration_body(' +
      'redirect_uri): the exact loopback URI with its ephemeral port; Zed prefers CIMD ' +
      'https://zed.dev/oauth/client-metadata.json when offered). Asks for no refresh_token ' +
      'grant. Reconstructed: the port.',
    confidence: 'reconstructed',
    body: {
      client_name: 'Zed',
      redirect_uris: ['http://127.0.0.1:52874/callback'],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    },
  },

  // --- Gemini CLI ---
  {
    client: 'Gemini CLI (first MCP OAuth provider), mid 2025',
    source:
      'google-gemini/gemini-cli packages/core/src/mcp/oauth-provider.ts, the static ' +
      'MCPOAuthProvider.registerClient revision (REDIRECT_PORT 7777). Sends the non-RFC 7591 ' +
      'member code_challenge_method and an empty scope when none is configured.',
    confidence: 'verbatim',
    body: {
      client_name: 'Gemini CLI MCP Client',
      redirect_uris: ['http://localhost:7777/oauth/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      code_challenge_method: ['S256'],
      scope: '',
    },
  },
  {
    client: 'Gemini CLI, 2026',
    source:
      'google-gemini/gemini-cli packages/core/src/mcp/oauth-provider.ts (MCPOAuthProvider.' +
      'registerClient(registrationUrl, config, redirectPort)). Reconstructed: the port, which ' +
      'is chosen at runtime; scope is "" when the server config names no scopes.',
    confidence: 'reconstructed',
    body: {
      client_name: 'Gemini CLI MCP Client',
      redirect_uris: ['http://localhost:49263/oauth/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      scope: '',
    },
  },

  // --- OpenCode ---
  {
    client: 'OpenCode, 2026',
    source:
      'anomalyco/opencode packages/opencode/src/mcp/oauth-provider.ts (McpOAuthProvider.' +
      'clientMetadata; OAUTH_CALLBACK_PORT 19876, OAUTH_CALLBACK_PATH /mcp/oauth/callback; ' +
      'client_secret_post only when a secret is configured). elmohq/elmo pull request #684 shows ' +
      'this loopback redirect being refused because no application_type is sent.',
    confidence: 'verbatim',
    body: {
      redirect_uris: ['http://127.0.0.1:19876/mcp/oauth/callback'],
      client_name: 'OpenCode',
      client_uri: 'https://opencode.ai',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    },
  },
];
