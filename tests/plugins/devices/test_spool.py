"""The telemetry spool on real files: kept across restarts, torn tails cut, bounded, locked."""

import asyncio
import os
import stat
import threading
import time
from pathlib import Path

import pytest

from hduce.plugins.devices.services import _spool
from hduce.plugins.devices.services._spool import Spool, SpoolFull, SpoolLocked


def spool(directory: Path, max_bytes: int = 1 << 20, segment_bytes: int = 1 << 16) -> Spool:
    return Spool(directory, max_bytes=max_bytes, segment_bytes=segment_bytes, window=0)


async def durable(store: Spool, *bodies: bytes) -> list[int]:
    """Append `bodies`, wait until they are fsynced; the segment each one went to."""
    segments: dict[int, int] = {}
    store.on_durable = lambda segment, group: segments.update((n, segment) for n, _ in group)
    for n, body in enumerate(bodies):
        store.append(body, n)
    await store.settle()
    return [segments[n] for n in range(len(bodies))]


async def test_unreleased_records_come_back_in_order_and_a_torn_tail_is_cut(
    tmp_path: Path,
) -> None:
    first = spool(tmp_path)
    assert first.open() == []
    segments = await durable(first, *(f"r{n}".encode() for n in range(5)))
    first.release(segments[0], 2)
    first.close()
    (segment,) = tmp_path.glob("*.seg")
    with segment.open("ab") as file:
        file.write(b"\x00\x00\x01\x00garbage")  # a record cut short by a crash
    second = spool(tmp_path)
    # Released records are not forgotten on disk until their segment goes: the replay is
    # made harmless by the readings' idempotency key.
    assert [body for _, body in second.open()] == [f"r{n}".encode() for n in range(5)]
    assert not segment.read_bytes().endswith(b"garbage")
    second.close()


async def test_stored_segments_are_deleted(tmp_path: Path) -> None:
    store = spool(tmp_path, segment_bytes=64)
    store.open()
    for _ in range(20):
        (segment,) = await durable(store, b"x" * 40)
        store.release(segment, 40)
    assert len(list(tmp_path.glob("*.seg"))) == 1, "only the segment being written is left"
    assert store.live_bytes == 0
    store.close()
    again = spool(tmp_path)
    assert again.open() == []
    again.close()


async def test_a_full_spool_refuses_until_records_are_released(tmp_path: Path) -> None:
    store = spool(tmp_path, max_bytes=100)
    store.open()
    (segment,) = await durable(store, b"y" * 60)
    with pytest.raises(SpoolFull):
        store.append(b"z" * 60)
    store.release(segment, 60)
    assert (await durable(store, b"z" * 60))[0] >= segment
    store.close()


def test_one_process_per_spool(tmp_path: Path) -> None:
    holder = spool(tmp_path)
    holder.open()
    with pytest.raises(SpoolLocked):
        spool(tmp_path).open()
    holder.close()
    spool(tmp_path).open()


async def test_each_group_is_handed_over_once_with_its_items_in_order(tmp_path: Path) -> None:
    store = spool(tmp_path)
    store.open()
    handed: list[tuple[int, list[tuple[object, int]]]] = []
    store.on_durable = lambda segment, group: handed.append((segment, group))
    store.append(b"kept", "a")
    store.append(b"left", "b")
    await store.settle()
    assert handed == [(handed[0][0], [("a", 4), ("b", 4)])]
    store.close()
    again = spool(tmp_path)
    assert [body for _, body in again.open()] == [b"kept", b"left"]
    again.close()


async def test_a_failed_write_is_told_and_its_room_given_back(tmp_path: Path) -> None:
    store = spool(tmp_path, segment_bytes=64)
    store.open()
    await durable(store, b"x" * 60)  # fills segment 1: the next write starts segment 2
    (tmp_path / "2.seg").symlink_to("/dev/full")  # a disk with no space left
    failed: list[tuple[list[object], OSError]] = []
    store.on_failed = lambda items, exc: failed.append((items, exc))
    before = store.live_bytes
    store.append(b"lost", "a")
    await store.settle()
    assert [items for items, _ in failed] == [["a"]]
    assert store.live_bytes == before
    store.close()


async def test_a_fast_disk_is_synced_in_place_and_a_slow_one_off_the_event_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = spool(tmp_path)
    store.open()
    loop = asyncio.get_running_loop()
    threads: list[bool] = []
    real_sync = os.fdatasync

    def in_thread() -> bool:
        return threading.current_thread() is not threading.main_thread()

    def timed_sync(fd: int) -> None:
        threads.append(in_thread())
        real_sync(fd)

    monkeypatch.setattr(_spool.os, "fdatasync", timed_sync)
    await durable(store, b"fast")
    assert threads == [False], "a fast disk is synced on the event loop: no thread hand-off"

    def slow_sync(fd: int) -> None:
        timed_sync(fd)
        time.sleep(0.05)  # a disk that takes 50 ms per fsync (a worn SD card, a network disk)

    monkeypatch.setattr(_spool.os, "fdatasync", slow_sync)
    await durable(store, b"slow")  # this one still blocks the loop: it is what tells
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    ticker = loop.create_task(tick())
    await durable(store, b"slow again")
    ticker.cancel()
    assert threads[1:] == [False, True], "after a slow fsync the next one runs in a thread"
    assert ticks >= 3, "the event loop kept running while the slow disk synced"
    # An instant disk: the real one may be slow too while other work shares the machine.
    monkeypatch.setattr(_spool.os, "fdatasync", lambda fd: threads.append(in_thread()))
    for _ in range(20):
        await durable(store, b"fast again")
    assert threads[-1] is False, "once the disk is fast again, it is synced in place again"
    store.close()


async def test_zeros_written_ahead_keep_the_size_and_are_not_read_back(tmp_path: Path) -> None:
    live, crashed = tmp_path / "live", tmp_path / "crashed"
    store = spool(live, segment_bytes=1 << 20)
    store.open()
    await durable(store, b"first")
    (segment,) = live.glob("*.seg")
    size = segment.stat().st_size
    await durable(store, b"second", b"third")
    # The size a group's fdatasync would have to journal is written once, ahead of the records.
    assert segment.stat().st_size == size >= 1 << 20
    crashed.mkdir()
    (crashed / segment.name).write_bytes(segment.read_bytes())  # as a crash leaves it
    (crashed / "9.seg").write_bytes(bytes(4096))  # created and zeroed, nothing synced into it
    store.close()
    again = spool(crashed)
    assert [body for _, body in again.open()] == [b"first", b"second", b"third"]
    assert not (crashed / "9.seg").exists(), "a segment that holds no record is deleted"
    again.close()


async def test_the_spool_holds_readings_where_only_the_server_can_read_them(
    tmp_path: Path,
) -> None:
    """Each reading waits here until PostgreSQL has it: like documents, 0700 and 0600."""
    directory = tmp_path / "spool"
    directory.mkdir(mode=0o755)  # an older release's, or one made by hand
    store = spool(directory)
    store.open()
    await durable(store, b'{"readings": [{"metric": "spo2", "value": 88, "unit": "%"}]}')
    store.close()
    modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in directory.iterdir()}
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert modes and set(modes.values()) == {0o600}, modes
