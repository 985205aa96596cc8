"""Transports hand the server a stream pair and a principal; they know nothing of tools."""
