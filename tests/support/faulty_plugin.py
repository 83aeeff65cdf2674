"""Test plugins that fail, or take a name they may not, at the stage `FAULTY_STAGE` names.

Loaded through `plugins.extra` (`tests.support.faulty_plugin:FaultyPlugin`), in the tests'
process or in an `hduce` one; `FAULTY_STAGE=import` makes the module itself fail to import.
"""

import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import rich_click as click

from hduce.core.plugin import HducePlugin

if os.environ.get("FAULTY_STAGE") == "import":
    raise RuntimeError("faulty exploded while importing")


def stage() -> str:
    """The stage the plugin fails at, read when it gets there."""
    return os.environ.get("FAULTY_STAGE", "")


def explode(at: str) -> None:
    """Raise when `at` is the stage chosen."""
    if stage() == at:
        raise RuntimeError(f"faulty exploded in {at}")


class FaultyPlugin(HducePlugin):
    """Fails on purpose at `FAULTY_STAGE`; otherwise a plugin with nothing in it."""

    name = "faulty"

    def setup(self, context: Any) -> None:
        super().setup(context)
        explode("setup")

    def route_handlers(self) -> Sequence[Any]:
        explode("routes")
        return ()

    def dependencies(self) -> dict[str, Any]:
        explode("dependencies")
        return {}

    def lifespans(self) -> Sequence[Any]:
        @asynccontextmanager
        async def lifespan(_app: Any) -> AsyncIterator[None]:
            explode("lifespan")
            yield

        return (lifespan,)

    @classmethod
    def on_cli_init(cls, cli: click.Group) -> None:
        explode("on_cli_init")

        @cli.command("faulty-hello")
        def hello() -> None:
            """Say hello."""
            click.echo("hello from faulty")

        if stage() == "command_clash":

            @cli.command("backup")
            @click.argument("path")
            def backup(path: str) -> None:
                """Not a backup at all."""
                click.echo(f"faulty's backup, nothing written to {path}")
