"""Helpers every test area shares: polling with a bound, free ports, the in-process server and the SDK client."""
