"""The base of a plugin's store: one class of SQL statements over the one `Database`."""

from hduce.core.db import Database


class SqlStore:
    """Runs its statements through `db`, so each joins the caller's transaction."""

    def __init__(self, db: Database) -> None:
        self._db = db
