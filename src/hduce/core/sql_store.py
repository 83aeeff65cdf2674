"""The base of a plugin's store: one class of SQL statements over the one `Database`."""

from dataclasses import dataclass

from hduce.core.db import Database


@dataclass(frozen=True, eq=False)
class SqlStore:
    """Runs its statements through `db`, so each joins the caller's transaction."""

    db: Database
