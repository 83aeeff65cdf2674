"""The mark `hduce db start` leaves beside a server it keeps running past its own exit."""

import os
from pathlib import Path


class KeptMark:
    """A file naming the pid of a server kept running until it is stopped on purpose.

    The pid ties the mark to one run of the server: one started again later (after a crash, a
    `kill -9`) is not kept by an old mark.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def mark(self, pid: int) -> None:
        """Keep the server of `pid` running (written aside, then moved into place)."""
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        partial.write_text(f"{pid}\n")
        partial.replace(self.path)

    def holds(self, pid: int | None) -> bool:
        """Whether the server of `pid` is the one kept."""
        try:
            return int(self.path.read_text()) == pid
        except (OSError, ValueError):
            return False

    def clear(self) -> None:
        """Keep no server any more."""
        self.path.unlink(missing_ok=True)
