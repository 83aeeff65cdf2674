"""The `hduce` command line."""

from hduce.bootstrap import BUILTIN_PLUGINS
from hduce.cli import (  # noqa: F401  (registers the commands)
    _backup,
    _manage,
    _server,
)
from hduce.cli._common import hduce

for _plugin in BUILTIN_PLUGINS.values():
    _plugin.on_cli_init(hduce)

__all__ = ["hduce", "main"]


def main() -> None:
    """Entry point of the `hduce` console script."""
    hduce(prog_name="hduce")
