"""Let the embedded PostgreSQL's own user reach its data directory, and no more."""

import stat
from pathlib import Path

PASS_THROUGH = stat.S_IXGRP | stat.S_IXOTH


def passable_ancestors(path: Path) -> None:
    """Give every folder above `path` the search bit for group and others where it lacks it.

    pgserver's own helper also lets everyone list them (`g+rx,o+rx`): the data dir holding the
    clinic's database and documents would be open to every user of the machine.
    """
    for folder in path.parents:
        current = stat.S_IMODE(folder.stat().st_mode)
        if current & PASS_THROUGH != PASS_THROUGH:
            folder.chmod(current | PASS_THROUGH)
