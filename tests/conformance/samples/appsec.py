"""Samples for the appsec tools (see base.py for how samples work)."""
