"""Samples for the certs tools (see base.py for how samples work)."""
