"""Protocols and event structs shared between plugins (no I/O)."""
