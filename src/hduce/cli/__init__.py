"""The `hduce` command line."""

from hduce.cli import _manage, _search, _server  # noqa: F401  (registers the commands)
from hduce.cli._common import hduce

__all__ = ["hduce", "main"]


def main() -> None:
    """Entry point of the `hduce` console script."""
    hduce(prog_name="hduce")
