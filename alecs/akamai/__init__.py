"""Signed, pooled, retrying access to Akamai's APIs."""
