"""A local durable spool: telemetry is fsynced here before the broker acknowledges it.

Records go to segment files (`<n>.seg`) one after another, each framed as
`length (4 bytes) | crc32 (4 bytes) | body`; reading back stops at a zero length or a bad crc.
Appends that arrive together share one write and one fdatasync (group commit). Zeros are
written ahead of the records, a chunk at a time, as PostgreSQL fills its WAL segments: a group's
fdatasync then flushes only its records, not a new file size through the file system's journal.

While the disk syncs within `INLINE_SYNC_SECONDS` (on average), a group is written and synced on
the event loop: a thread hand-off per group costs more than a fast disk's fsync, in CPU and in
the devices' wait for their PUBACKs. A slower disk is synced in a thread, so the loop the API
shares never waits on it for long.

The writer releases records once PostgreSQL committed them; a full segment whose records are
all released is deleted, and the one being written is started over once it is all released.
At start, what is left is read back (a torn last record, from a crash mid-write, is cut off)
and stored again: the readings' idempotency key makes that replay harmless.
"""

import asyncio
import contextlib
import fcntl
import os
import struct
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from hduce.core.private_files import FILE_MODE, private_folder

_FRAME = struct.Struct(">II")
_SUFFIX = ".seg"
INLINE_SYNC_SECONDS = 0.002
"""Groups are synced on the event loop while the recent fsyncs averaged at most this."""
_SYNC_WEIGHT = 0.25
"""The weight of the latest fsync in that average."""
ZERO_CHUNK = 1 << 20
"""Bytes of zeros written ahead of the records when they reach the end of the zeroed part."""


class SpoolFull(Exception):
    """The spool holds `max_bytes` of unstored telemetry; the message is not acknowledged."""


class SpoolLocked(RuntimeError):
    """Another process already uses this spool directory."""

    def __init__(self, directory: Path) -> None:
        super().__init__(
            f"another process uses the telemetry spool {directory} (is `hduce serve` already "
            "running on this data_dir?): stop it, or give this one its own data_dir or "
            "plugins.devices.spool_dir"
        )


def spool_in_use(directory: Path) -> bool:
    """Whether another process holds the spool in `directory` (checked, nothing kept)."""
    try:
        lock = (directory / "lock").open("rb")
    except (FileNotFoundError, NotADirectoryError):  # no spool there (yet)
        return False
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        return False  # closing the file releases the lock


Durable = Callable[[int, list[tuple[Any, int]]], None]
"""Told, once per group written, the segment and each record's `(item, body size)` in order."""
Failed = Callable[[list[Any], OSError], None]
"""Told the items of a group whose write failed (their records are not kept)."""


class Spool:
    """Append-only, fsynced, bounded storage of records until the database has them.

    The owner learns what became durable, or failed, through `on_durable` and `on_failed`,
    once per group written: no future or task per record.
    """

    on_durable: Durable | None = None
    on_failed: Failed | None = None

    def __init__(
        self, directory: Path, *, max_bytes: int, segment_bytes: int, window: float
    ) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self._segment_bytes = segment_bytes
        self._window = window
        self.live_bytes = 0
        """Bytes of records appended (or waiting to be) and not yet released."""
        self._pending: Counter[int] = Counter()  # unreleased records per segment
        self._buffer: list[tuple[bytes, Any]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._segment = 0
        self._sync_seconds = 0.0  # recent fsync durations, averaged
        self._fd: int | None = None  # the segment being written
        self._offset = 0  # where its next record goes
        self._zeroed = 0  # how far it is filled with zeros (or records)
        self._lock: BinaryIO | None = None

    def open(self) -> list[tuple[int, bytes]]:
        """Lock the directory and return the records left by the last run, oldest first."""
        private_folder(self.directory, "telemetry spool")
        lock = os.open(self.directory / "lock", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        self._lock = os.fdopen(lock, "wb")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise SpoolLocked(self.directory) from None
        segments = self._segments()
        left = [(segment, body) for segment in segments for body in self._read(segment)]
        for segment, body in left:
            self._pending[segment] += 1
            self.live_bytes += _FRAME.size + len(body)
        for segment in set(segments) - self._pending.keys():  # nothing left in it
            (self.directory / f"{segment}{_SUFFIX}").unlink()
        self._segment = max(segments, default=0)
        self._next_segment()
        return left

    def close(self) -> None:
        """Close the files (what is unreleased stays on disk for the next start)."""
        self._close_segment()
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def has_room(self, size: int) -> bool:
        """Whether a record of `size` bytes fits under `max_bytes`."""
        return self.live_bytes + _FRAME.size + size <= self.max_bytes

    def append(self, body: bytes, item: Any = None) -> None:
        """Queue `body` for the next group write; `item` is handed to `on_durable` with it.

        Raises `SpoolFull` when it does not fit.
        """
        if not self.has_room(len(body)):
            raise SpoolFull(
                f"the telemetry spool holds {self.live_bytes} of {self.max_bytes} bytes"
            )
        self.live_bytes += _FRAME.size + len(body)
        self._buffer.append((_FRAME.pack(len(body), zlib.crc32(body)) + body, item))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="hduce-spool-flush")

    async def settle(self) -> None:
        """Wait until every record appended so far is written (or failed)."""
        while self._flusher is not None and not self._flusher.done():
            await asyncio.shield(self._flusher)

    def release(self, segment: int, size: int) -> None:
        """The database has the record of `size` body bytes in `segment`: forget it."""
        self.live_bytes -= _FRAME.size + size
        self._pending[segment] -= 1
        if self._pending[segment] <= 0:
            del self._pending[segment]
            if segment != self._segment:
                (self.directory / f"{segment}{_SUFFIX}").unlink(missing_ok=True)

    async def _flush(self) -> None:
        # Waiting a moment lets the messages that arrive together share one fsync.
        await asyncio.sleep(self._window)
        while self._buffer:
            group, self._buffer = self._buffer, []
            data = b"".join(f for f, _ in group)
            try:
                if self._sync_seconds <= INLINE_SYNC_SECONDS:
                    segment = self._write(data)
                else:
                    segment = await asyncio.to_thread(self._write, data)
            except OSError as exc:
                self.live_bytes -= sum(len(frame) for frame, _ in group)
                if self.on_failed is not None:
                    self.on_failed([item for _, item in group], exc)
                continue
            self._pending[segment] += len(group)
            if self.on_durable is not None:
                self.on_durable(segment, [(item, len(f) - _FRAME.size) for f, item in group])

    def _write(self, data: bytes) -> int:
        """Write after the last record and fdatasync, timed; empty or roll the segment if due."""
        assert self._lock is not None, "the spool is not open"
        if self._fd is None or self._offset >= self._segment_bytes:
            self._next_segment()
        elif not self._pending[self._segment] and self._offset >= self._segment_bytes // 4:
            # Everything in it is stored: start it over rather than create a file (a directory
            # fsync). Should the truncation not survive a crash, the replay is harmless.
            os.ftruncate(self._fd, 0)
            self._offset = self._zeroed = 0
        fd, end = self._fd, self._offset + len(data)
        assert fd is not None
        try:
            if end > self._zeroed:
                zeros = max(end - self._zeroed, min(ZERO_CHUNK, self._segment_bytes))
                _write_all(fd, bytes(zeros), self._zeroed)
                self._zeroed += zeros
            _write_all(fd, data, self._offset)
            started = time.perf_counter()
            os.fdatasync(fd)
            took = time.perf_counter() - started
            self._sync_seconds += (took - self._sync_seconds) * _SYNC_WEIGHT
        except OSError:
            # The segment may now end in part of this group (cut off or replayed harmlessly
            # when read back): later writes go to a new one.
            self._close_segment()
            raise
        self._offset = end
        return self._segment

    def _next_segment(self) -> None:
        """Close the segment being written and create the next one."""
        self._close_segment()
        self._segment += 1
        path = self.directory / f"{self._segment}{_SUFFIX}"
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
        self._offset = self._zeroed = 0
        # The new file's name must survive a crash too.
        directory = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    def _close_segment(self) -> None:
        """Close the segment being written; deleted when all its records are released."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.close(self._fd)
        self._fd = None
        if not self._pending[self._segment]:
            (self.directory / f"{self._segment}{_SUFFIX}").unlink(missing_ok=True)

    def _segments(self) -> list[int]:
        return sorted(int(p.stem) for p in self.directory.glob(f"*{_SUFFIX}") if p.stem.isdigit())

    def _read(self, segment: int) -> Iterator[bytes]:
        """The whole records of a segment; what follows them is cut off the file.

        That is the zeros written ahead, or a record torn by a crash mid-write.
        """
        path = self.directory / f"{segment}{_SUFFIX}"
        data = path.read_bytes()
        at = 0
        while at + _FRAME.size <= len(data):
            length, crc = _FRAME.unpack_from(data, at)
            body = data[at + _FRAME.size : at + _FRAME.size + length]
            if not length or len(body) < length or zlib.crc32(body) != crc:
                break
            yield body
            at += _FRAME.size + length
        if at < len(data):
            with path.open("r+b") as file:
                file.truncate(at)
                os.fsync(file.fileno())


def _write_all(fd: int, data: bytes, offset: int) -> None:
    """Write all of `data` at `offset` (a short write is resumed)."""
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view, offset = view[written:], offset + written
