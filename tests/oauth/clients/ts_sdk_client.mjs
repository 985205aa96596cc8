// The TypeScript MCP SDK's own OAuth client flow against alecs, driven by tests/oauth/test_real_clients.py.
//
// usage: node ts_sdk_client.mjs <server url> <redirect url>
// Talks JSON lines: writes {"event": "authorize", "url": ...} when the SDK sends the user to the authorization
// page, and reads {"code": ...} (what the browser brought back to the redirect URL) from stdin. Then lists and
// calls tools, waits (bounded, by polling) until the SDK has refreshed its expired access token, and calls again.
// The SDK is loaded from ALECS_OAUTH_NODE (see .ci/oauth-setup.sh).
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(process.env.ALECS_OAUTH_NODE || '/opt/alecs-ci/oauth-node', 'node_modules/@modelcontextprotocol/sdk/dist/esm');
const load = (path) => import(pathToFileURL(join(root, path)).href);
const { Client } = await load('client/index.js');
const { StreamableHTTPClientTransport } = await load('client/streamableHttp.js');
const { UnauthorizedError } = await load('client/auth.js');

const [serverUrl, redirectUrl] = process.argv.slice(2);
const say = (event, data = {}) => process.stdout.write(JSON.stringify({ event, ...data }) + '\n');
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

// What an application keeps for the SDK: registration, PKCE verifier, tokens (here in memory).
class MemoryProvider {
  constructor() { this.saved = {}; this.tokenSaves = 0; }
  get redirectUrl() { return redirectUrl; }
  get clientMetadata() {
    return { client_name: 'TypeScript SDK test client', redirect_uris: [redirectUrl],
             grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
             token_endpoint_auth_method: 'client_secret_post' };
  }
  state() { return 'ts-sdk-state-' + process.pid; }
  clientInformation() { return this.saved.client; }
  saveClientInformation(info) { this.saved.client = info; say('registered', { client_id: info.client_id }); }
  tokens() { return this.saved.tokens; }
  saveTokens(tokens) {
    this.saved.tokens = tokens; this.tokenSaves += 1;
    say('tokens', { saves: this.tokenSaves, expires_in: tokens.expires_in, scope: tokens.scope,
                    has_refresh: Boolean(tokens.refresh_token) });
  }
  redirectToAuthorization(url) { say('authorize', { url: url.toString() }); }
  saveCodeVerifier(v) { this.saved.verifier = v; }
  codeVerifier() { return this.saved.verifier; }
}

const provider = new MemoryProvider();
const client = new Client({ name: 'alecs-oauth-ts-test', version: '1.0.0' }, { capabilities: {} });
let transport = new StreamableHTTPClientTransport(new URL(serverUrl), { authProvider: provider });
try {
  await client.connect(transport);
  throw new Error('connected without authorization');
} catch (error) {
  if (!(error instanceof UnauthorizedError)) throw error;
}
const answer = JSON.parse((await lines.next()).value);
if (answer.state !== provider.state()) throw new Error(`state did not round-trip: ${answer.state}`);
await transport.finishAuth(answer.code);
transport = new StreamableHTTPClientTransport(new URL(serverUrl), { authProvider: provider });
await client.connect(transport);
const tools = await client.listTools();
say('tools', { names: tools.tools.map((t) => t.name) });
const call = await client.callTool({ name: 'list-contracts', arguments: {} });
say('call', { isError: Boolean(call.isError), text: call.content[0].text.slice(0, 400) });

// Refresh: the access token is short-lived in this test; poll (bounded) until the SDK had to refresh it.
const before = provider.tokenSaves;
const deadline = Date.now() + 60_000;
while (provider.tokenSaves === before) {
  if (Date.now() > deadline) throw new Error('the SDK never refreshed its token');
  await client.listTools();
  await new Promise((resolve) => setTimeout(resolve, 200));
}
const after = await client.callTool({ name: 'list-contracts', arguments: {} });
say('refreshed', { isError: Boolean(after.isError), saves: provider.tokenSaves });
await client.close();
say('done');
process.exit(0);
