"""Samples for the dns tools (see base.py for how samples work)."""
