"""Uvicorn for `hduce serve`: open live streams end as soon as shutdown begins."""

import logging
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import ChangeReload

import hduce
from hduce.core.draining import begin_draining
from hduce.core.plugin import HducePlugin
from hduce.core.plugin_failures import PluginFailureTraceback


class DrainingServer(uvicorn.Server):
    """Uvicorn's server; its shutdown first tells live streams to end, then waits for them."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """Stop accepting, end live streams, wait for open requests, shut the app down."""
        begin_draining()
        await super().shutdown(sockets)


def run_web_server(config: uvicorn.Config) -> None:
    """Serve until stopped; with `reload`, in a child process restarted on code changes.

    A plugin's lifespan that fails to start is one line naming it (logged by its guard), not
    uvicorn's traceback of the app's start-up.
    """
    logging.getLogger("uvicorn.error").addFilter(PluginFailureTraceback())
    server = DrainingServer(config)
    if config.should_reload:
        ChangeReload(config, target=server.run, sockets=[config.bind_socket()]).run()
        return
    server.run()
    if not server.started:
        sys.exit(STARTUP_FAILURE)


def source_dirs(plugins: Sequence[HducePlugin], data_dir: Path) -> list[Path]:
    """What `serve --reload` watches: hduce's package and the folder of each extra plugin.

    Not the working directory: the data directory (`./var` by default) is there, and
    PostgreSQL's and NATS's writes in it made the watcher log "changes detected" every few
    seconds. A folder holding the data directory (a one-file plugin's, in it) is left out.
    """
    folders = {Path(hduce.__file__).resolve().parent}
    for plugin in plugins:
        module = sys.modules[type(plugin).__module__]
        if module.__file__:
            folders.add(Path(module.__file__).resolve().parent)
    return sorted(
        folder
        for folder in folders
        if not data_dir.is_relative_to(folder)
        and not any(folder != other and folder.is_relative_to(other) for other in folders)
    )
