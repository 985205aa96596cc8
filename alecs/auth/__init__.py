"""Bearer tokens for remote serving: the store, scopes, and the `alecs token` commands."""
