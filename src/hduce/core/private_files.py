"""Folders and files only the server's user may read: medical data at rest (0700, 0600)."""

import logging
import stat
from pathlib import Path

FILE_MODE, FOLDER_MODE = 0o600, 0o700
logger = logging.getLogger("hduce.files")


def private_folder(path: Path, what: str) -> None:
    """Create `path` (and its parents) private, or make an existing one so, saying so.

    `what` names it in the warning ("document store", "telemetry spool").
    """
    path.mkdir(FOLDER_MODE, parents=True, exist_ok=True)
    current = stat.S_IMODE(path.stat().st_mode)
    if current != FOLDER_MODE:
        logger.warning("%s %s was %o; set to %o (private)", what, path, current, FOLDER_MODE)
        path.chmod(FOLDER_MODE)
