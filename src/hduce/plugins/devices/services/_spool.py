"""A local durable spool: telemetry is fsynced here before the broker acknowledges it.

Records go to append-only segment files (`<n>.seg`), each record framed as
`length (4 bytes) | crc32 (4 bytes) | body`. Appends that arrive together share one write and
one fsync (group commit). While the disk syncs within `INLINE_SYNC_SECONDS` (on average), a
group is written and synced on the event loop: a thread hand-off per group costs more than a
fast disk's fsync, in CPU and in the devices' wait for their PUBACKs. A slower disk is synced in
a thread, so the loop the API shares never waits on it for long.

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

_FRAME = struct.Struct(">II")
_SUFFIX = ".seg"
INLINE_SYNC_SECONDS = 0.002
"""Groups are synced on the event loop while the recent fsyncs averaged at most this."""
_SYNC_WEIGHT = 0.25
"""The weight of the latest fsync in that average."""


class SpoolFull(Exception):
    """The spool holds `max_bytes` of unstored telemetry; the message is not acknowledged."""


class SpoolLocked(RuntimeError):
    """Another process already uses this spool directory."""


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
        self._file: BinaryIO | None = None
        self._lock: BinaryIO | None = None

    def open(self) -> list[tuple[int, bytes]]:
        """Lock the directory and return the records left by the last run, oldest first."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock = (self.directory / "lock").open("wb")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise SpoolLocked(
                f"another process uses the telemetry spool {self.directory}"
            ) from None
        left = [(segment, body) for segment in self._segments() for body in self._read(segment)]
        for segment, body in left:
            self._pending[segment] += 1
            self.live_bytes += _FRAME.size + len(body)
        self._segment = max(self._segments(), default=0) + 1
        self._file = self._create(self._segment)
        return left

    def close(self) -> None:
        """Close the files (what is unreleased stays on disk for the next start)."""
        if self._file is not None:
            self._file.close()
            self._file = None
            if not self._pending[self._segment]:
                (self.directory / f"{self._segment}{_SUFFIX}").unlink(missing_ok=True)
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
        """Append and fdatasync, timed; empties or rolls the segment first when due."""
        assert self._lock is not None, "the spool is not open"
        file = self._file
        if file is None or file.tell() >= self._segment_bytes:
            file = self._next_segment()
        elif not self._pending[self._segment] and file.tell() >= self._segment_bytes // 4:
            # Everything in it is stored: start it over rather than create a file (a directory
            # fsync). Should the truncation not survive a crash, the replay is harmless.
            file.truncate(0)
            file.seek(0)
        try:
            file.write(data)
            file.flush()
            # fdatasync flushes the data and the new file size (what reading it back needs) but
            # not the timestamps: fsync's durability for an append, at a fraction of its cost.
            started = time.perf_counter()
            os.fdatasync(file.fileno())
            took = time.perf_counter() - started
            self._sync_seconds += (took - self._sync_seconds) * _SYNC_WEIGHT
        except OSError:
            # The segment may now end in part of this group (cut off or replayed harmlessly
            # when read back): later writes go to a new one.
            with contextlib.suppress(OSError):
                file.close()
            self._file = None
            raise
        return self._segment

    def _next_segment(self) -> BinaryIO:
        if self._file is not None:
            self._file.close()
        self._segment += 1
        self._file = self._create(self._segment)
        return self._file

    def _create(self, segment: int) -> BinaryIO:
        file = (self.directory / f"{segment}{_SUFFIX}").open("ab")
        # The new file's name must survive a crash too.
        directory = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        return file

    def _segments(self) -> list[int]:
        return sorted(int(p.stem) for p in self.directory.glob(f"*{_SUFFIX}") if p.stem.isdigit())

    def _read(self, segment: int) -> Iterator[bytes]:
        """The whole records of a segment; a torn or corrupt tail is cut off the file."""
        path = self.directory / f"{segment}{_SUFFIX}"
        data = path.read_bytes()
        at = 0
        while at + _FRAME.size <= len(data):
            length, crc = _FRAME.unpack_from(data, at)
            body = data[at + _FRAME.size : at + _FRAME.size + length]
            if len(body) < length or zlib.crc32(body) != crc:
                break
            yield body
            at += _FRAME.size + length
        if at < len(data):
            with path.open("r+b") as file:
                file.truncate(at)
                os.fsync(file.fileno())
