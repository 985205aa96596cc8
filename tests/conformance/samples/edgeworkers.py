"""Samples for the edgeworkers tools (see base.py for how samples work)."""
