"""Content-addressed file storage: `<root>/ab/cdef...` named by the SHA-256 of the bytes.

Medical documents: files are 0600 and folders 0700, readable by the service's user only.
"""

import contextlib
import errno
import hashlib
import logging
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from hduce.core.config import ConfigError
from hduce.core.private_files import FILE_MODE, FOLDER_MODE, private_folder
from hduce.plugins.documents.errors import InsufficientStorage

TEMP_DIR = ".incoming"
STALE_PART = 15 * 60
"""Seconds since its last write after which a part file is an upload cut short (a killed serve):
an upload being written touches its file at least every `WRITE_CHUNK` bytes."""
WRITE_CHUNK = 1024 * 1024
"""Bytes collected before one write (and hash update) off the event loop."""
PROBE = b"\0" * 4096
"""What the health check writes: one block, so a full disk shows (an empty file may not)."""
_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})
logger = logging.getLogger("hduce.documents")


@contextlib.contextmanager
def full_disk_as_507() -> Iterator[None]:
    """Turn "no space left" (or a quota) into `InsufficientStorage`."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in _FULL:
            raise
        raise InsufficientStorage(
            "the document store has no space left; the upload was not kept, try again later"
        ) from exc


class StoreUnusable(ConfigError):
    """The store's folder cannot be created or made private (said at start-up)."""


class StagedFile:
    """An upload being written to a temporary file in the store, hashed as it is written.

    The file is created by the first write, in the thread doing the writes: a small upload
    costs the event loop one hand-off to a thread, for creating, writing and syncing.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size = 0
        self._hash = hashlib.sha256()
        self._file: BinaryIO | None = None

    def write(self, data: bytes) -> None:
        """Append `data` and feed it to the hash (blocking: run it in a thread)."""
        with full_disk_as_507():
            self._opened().write(data)
        self._hash.update(data)
        self.size += len(data)

    def finish(self, rest: bytes = b"") -> str:
        """Append `rest`, flush to disk and close; returns the SHA-256 (hex) of the whole file."""
        self.write(rest)
        file = self._opened()
        with full_disk_as_507():
            file.flush()
            os.fsync(file.fileno())
        file.close()
        return self._hash.hexdigest()

    def discard(self) -> None:
        """Close and delete the temporary file (a failed upload leaves nothing behind)."""
        # Closing flushes what is buffered: on a full disk that fails, and does not matter here.
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
        self.path.unlink(missing_ok=True)

    def _opened(self) -> BinaryIO:
        """The temporary file, created (with its folder) on first use."""
        if self._file is None:
            self.path.parent.mkdir(FOLDER_MODE, parents=True, exist_ok=True)
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
            self._file = os.fdopen(os.open(self.path, flags, FILE_MODE), "wb")
        return self._file


class BlobStore:
    """Files named by their SHA-256 under `root`: the same bytes are stored once."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def secure(self) -> None:
        """Create the store private (0700), or make an existing one so (checked at start).

        Part files of uploads cut short long ago (a killed serve) are removed.
        """
        try:
            private_folder(self.root, "document store")
        except OSError as exc:
            key = "plugins.documents.storage_dir"
            raise StoreUnusable(f"{key}: cannot use {self.root}: {exc.strerror}", key=key) from None
        self._sweep_parts()

    def _sweep_parts(self) -> None:
        """Delete part files not written for `STALE_PART` seconds.

        Several processes may share the store: a part file written recently may be another's
        upload in progress, so only the age tells a leftover.
        """
        stale = time.time() - STALE_PART
        swept = 0
        for part in (self.root / TEMP_DIR).glob("*.part"):
            with contextlib.suppress(OSError):  # gone already (another sweep), or unreadable
                if part.stat().st_mtime < stale:
                    part.unlink()
                    swept += 1
        if swept:
            logger.info("removed %d part file(s) of uploads cut short in %s", swept, self.root)

    def path(self, sha256: str) -> Path:
        """Where the file with this digest lives."""
        return self.root / sha256[:2] / sha256[2:]

    def stage(self) -> StagedFile:
        """A new temporary file in the store (same file system, so the final rename is atomic).

        Nothing touches the disk until its first write.
        """
        return StagedFile(self.root / TEMP_DIR / f"{secrets.token_hex(16)}.part")

    def commit(self, staged: StagedFile, sha256: str) -> bool:
        """Move a finished upload to its address; if those bytes are stored already, drop it.

        Returns whether the file was placed (False: it was there already, for other documents).
        """
        target = self.path(sha256)
        if target.exists():
            staged.path.unlink(missing_ok=True)
            return False
        with full_disk_as_507():
            target.parent.mkdir(FOLDER_MODE, exist_ok=True)
            os.replace(staged.path, target)
        return True

    def remove(self, sha256: str) -> None:
        """Delete a stored file (no error if it is gone already)."""
        self.path(sha256).unlink(missing_ok=True)

    def writable(self) -> bool:
        """Whether a block can be written and synced in the store (for the health check)."""
        try:
            with tempfile.TemporaryFile(dir=self.root) as probe:
                probe.write(PROBE)
                probe.flush()
                os.fsync(probe.fileno())
            return True
        except OSError:
            return False

    def free(self) -> int:
        """Bytes free on the store's file system (0 when it cannot be read)."""
        try:
            return shutil.disk_usage(self.root).free
        except OSError:
            return 0
