"""Where a running `hduce serve` is reached, so links queued from the command line point there.

Without `server.public_url`, links start at `http://<host>:<port>` of the settings; `serve
--port 8001` changes that for the server only, and a command run beside it (`hduce user
reset-password`, `hduce import patients --invite`) queued links on the configured port. `serve`
leaves the address it is reached at under `data_dir` while it runs; those commands read it.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import msgspec

from hduce.core.config import Settings
from hduce.core.config.addresses import listening_url

ADDRESS_FILE = "serve-address"


@contextmanager
def leaving_address(settings: Settings) -> Iterator[None]:
    """While `serve` runs, keep the URL it is reached at under `data_dir` (unless configured)."""
    if not _derived(settings):
        yield
        return
    path = _address_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(settings.server.public_url + "\n")
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def with_served_address(settings: Settings) -> Settings:
    """`settings` whose `public_url` is the running serve's, unless one is configured."""
    if not _derived(settings):
        return settings
    try:
        served = _address_file(settings).read_text().strip()
    except OSError:
        return settings
    if not served:
        return settings
    server = msgspec.structs.replace(settings.server, public_url=served)
    return msgspec.structs.replace(settings, server=server)


def _derived(settings: Settings) -> bool:
    """Whether `public_url` was filled in from the host and port, not configured."""
    server = settings.server
    return server.public_url == listening_url(server.host, server.port)


def _address_file(settings: Settings) -> Path:
    from hduce.embedded import resolve_data_dir

    return resolve_data_dir(settings) / ADDRESS_FILE
