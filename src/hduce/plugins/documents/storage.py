"""Content-addressed file storage: `<root>/ab/cdef...` named by the SHA-256 of the bytes."""

import hashlib
import os
import secrets
import tempfile
from pathlib import Path

TEMP_DIR = ".incoming"
WRITE_CHUNK = 1024 * 1024
"""Bytes collected before one write (and hash update) off the event loop."""


class StagedFile:
    """An upload being written to a temporary file in the store, hashed as it is written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size = 0
        self._hash = hashlib.sha256()
        self._file = path.open("xb")

    def write(self, data: bytes) -> None:
        """Append `data` and feed it to the hash (blocking: run it in a thread)."""
        self._file.write(data)
        self._hash.update(data)
        self.size += len(data)

    def finish(self) -> str:
        """Flush to disk and close; returns the SHA-256 (hex) of the whole file."""
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        return self._hash.hexdigest()

    def discard(self) -> None:
        """Close and delete the temporary file (a failed upload leaves nothing behind)."""
        self._file.close()
        self.path.unlink(missing_ok=True)


class BlobStore:
    """Files named by their SHA-256 under `root`: the same bytes are stored once."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        """Where the file with this digest lives."""
        return self.root / sha256[:2] / sha256[2:]

    def stage(self) -> StagedFile:
        """A new temporary file in the store (same file system, so the final rename is atomic)."""
        incoming = self.root / TEMP_DIR
        incoming.mkdir(parents=True, exist_ok=True)
        return StagedFile(incoming / f"{secrets.token_hex(16)}.part")

    def commit(self, staged: StagedFile, sha256: str) -> None:
        """Move a finished upload to its address; if those bytes are stored already, drop it."""
        target = self.path(sha256)
        if target.exists():
            staged.path.unlink(missing_ok=True)
            return
        target.parent.mkdir(exist_ok=True)
        os.replace(staged.path, target)

    def remove(self, sha256: str) -> None:
        """Delete a stored file (no error if it is gone already)."""
        self.path(sha256).unlink(missing_ok=True)

    def writable(self) -> bool:
        """Whether a file can be created in the store (for the health check)."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=self.root):
                return True
        except OSError:
            return False
