"""OAuth 2.1 for remote MCP clients (Claude connectors, ChatGPT, Cursor, VS Code): alecs as its own authorization
server, opt-in with `--oauth` / `ALECS_OAUTH=1` on the Streamable HTTP transport.

- `store`: the grant store (registered clients, grants with hashed refresh and access tokens, sign-in codes), a
  sealed file beside the token store; `live`: what the running server knows of it.
- `settings`: the public URL (issuer and resource), lifetimes and bounds.
- `provider`: the MCP SDK's authorization-server provider (codes, tokens, refresh rotation, revocation).
- `clients`: dynamic client registration bounds and client ID metadata documents (`metadata_documents`).
- `consent`: the page where a person proves who they are with their alecs token and approves or denies.
- `app`: the ASGI app the HTTP transport mounts (metadata, register, authorize, token, revoke, consent), and the
  `WWW-Authenticate` challenge of a 401.

A grant is bound to the alecs token that approved it: it has exactly that token's rights (its scope at most),
and it dies with the token. Importing this package is cheap (the CLI's token commands read the grant store).
"""
