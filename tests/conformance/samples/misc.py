"""Samples for the misc tools (see base.py for how samples work)."""
