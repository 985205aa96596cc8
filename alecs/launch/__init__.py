"""Launching `alecs serve` fast: answers to a client's opening requests before the MCP SDK has loaded.

Importing the MCP SDK and building the server takes about a second (two on a loaded machine), and Claude Desktop
waits for every configured server's `tools/list` when it starts. Over stdio, `alecs serve` therefore starts with a
*front* (`alecs.launch.stdio`) that needs nothing but the standard library: while a loader thread imports the SDK
and builds the server (and starts the sandbox), the front answers `initialize` and the listing requests from a
*start-up snapshot* (`alecs.launch.snapshot`), then hands the live session to the SDK, replaying the client's
`initialize` under a private id (the SDK's answer to it is compared with the one the front gave and dropped) and
everything else the client sent meanwhile, in order.

A snapshot holds the server's own answers: after a launch whose front could not answer (the first launch with new
code, dependencies, configuration or client), the server answers the same requests again in a fresh in-memory
session (`alecs.launch.record`) and keeps those answers, byte for byte, under a key made of the code's and the
SDK's fingerprint and everything that shapes the answers (`alecs.launch.snapshot.server_key`). Nothing is
hand-written, so changes to tools, schemas or instructions flow through; `tests/launch` proves the front's
answers identical to the SDK's for every protocol version and configuration.
"""
