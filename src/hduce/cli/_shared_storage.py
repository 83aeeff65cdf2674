"""Servers sharing an external database must share its file stores too: a check at start.

The first server to start on a database writes a new id into each plugin's store of files
(`<store>/.hduce-storage-id`), then keeps it in the database; every later start compares its
own store's id with the database's and warns, naming both, when they differ.
"""

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from hduce.core.config import Settings
from hduce.core.plugin import HducePlugin
from hduce.core.private_files import FILE_MODE, private_folder

if TYPE_CHECKING:  # the engine and the runtime load when a check runs, not with the CLI
    from hduce.core.db import Database

MARKER = ".hduce-storage-id"
KNOWN = "SELECT storage_id, first_store FROM shared_storage WHERE name = $1"
CLAIM = (
    "INSERT INTO shared_storage (name, storage_id, first_store) VALUES ($1, $2, $3) "
    "ON CONFLICT (name) DO NOTHING"
)
logger = logging.getLogger("hduce.startup")


def check_shared_stores(
    settings: Settings, plugins: Sequence[HducePlugin], database_url: str
) -> None:
    """On an external database (servers may share it), warn about a store that is not shared."""
    from hduce.cli._database import on_database

    if settings.database.url:
        stores = kept_stores(settings, plugins)
        asyncio.run(on_database(settings, database_url, lambda db: warn_unshared(db, stores)))


def kept_stores(settings: Settings, plugins: Sequence[HducePlugin]) -> dict[str, Path]:
    """Each enabled plugin's store of files kept beside the database (the documents'), by name."""
    from hduce.embedded import resolve_data_dir

    data_dir = resolve_data_dir(settings)
    stores = {plugin.name: plugin.backup_folder(data_dir) for plugin in plugins}
    return {name: store.absolute() for name, store in stores.items() if store is not None}


async def warn_unshared(db: "Database", stores: Mapping[str, Path]) -> None:
    """Log one line for each store that is not the one the database's other servers use."""
    for name, store in stores.items():
        if problem := await _unshared(db, name, store):
            logger.warning("%s", problem)


async def _unshared(db: "Database", name: str, store: Path) -> str | None:
    known = await db.fetchrow(KNOWN, name)
    here = _read_marker(store)
    if known is None:  # the first start: the store gets its id before the database does
        here = here or _stamp(store)
        await db.execute(CLAIM, name, here, f"{socket.gethostname()}:{store}")
        known = await db.fetchrow(KNOWN, name)
    if known is None or known["storage_id"] == here:
        return None
    return (
        f"{name} store {store} (storage id {here or 'none'}) is not the store the other servers "
        f"on this database share, first kept at {known['first_store']} (storage id "
        f"{known['storage_id']}): mount that one at the same path on every server, else files "
        "kept through one server are missing on the others"
    )


def _read_marker(store: Path) -> str:
    try:
        return (store / MARKER).read_text().strip()
    except FileNotFoundError:
        return ""


def _stamp(store: Path) -> str:
    """Give `store` a new id, unless another server on the same storage just did; the id."""
    private_folder(store, "file store")
    try:
        fd = os.open(store / MARKER, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return _read_marker(store)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(8) + "\n")
    return _read_marker(store)
