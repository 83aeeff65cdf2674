"""Domain plugins; each is independent and talks to the others only through `hduce.contracts`."""

BUILTIN_PLUGINS: tuple[str, ...] = (
    "metrics",
    "audit",
    "auth",
    "users",
    "notifications",
    "appointments",
    "documents",
    "search",
    "devices",
    "webhooks",
    "fhir",
    "web",
)
"""Every built-in plugin, each the package `hduce.plugins.<name>`: the one list of their names.

The plugin classes (`hduce.bootstrap`), Piccolo's app registry (`hduce.piccolo_conf`) and the
default of `plugins.enabled` all derive from it.
"""
