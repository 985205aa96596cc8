"""Akamai's published API operations: a compiled index, a request validator and operation search.

Nothing here is imported at start-up. `index.load()` reads the shipped index on first use; `validate` checks a
request against its operation; `calls` prepares `call-akamai-operation` requests; `search` ranks operations for
words; `build` (with `definitions`) regenerates the index from `AKAMAI_OPENAPI_DIR`.
"""
