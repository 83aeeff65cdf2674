"""The telemetry spool on real files: kept across restarts, torn tails cut, bounded, locked."""

import asyncio
from pathlib import Path

import pytest

from hduce.plugins.devices.services._spool import Spool, SpoolFull, SpoolLocked


def spool(directory: Path, max_bytes: int = 1 << 20, segment_bytes: int = 1 << 16) -> Spool:
    return Spool(directory, max_bytes=max_bytes, segment_bytes=segment_bytes, window=0)


async def test_unreleased_records_come_back_in_order_and_a_torn_tail_is_cut(
    tmp_path: Path,
) -> None:
    first = spool(tmp_path)
    assert first.open() == []
    segments = await asyncio.gather(*(first.append(f"r{n}".encode()) for n in range(5)))
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
        segment = await store.append(b"x" * 40)
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
    segment = await store.append(b"y" * 60)
    with pytest.raises(SpoolFull):
        store.append(b"z" * 60)
    store.release(segment, 60)
    assert await store.append(b"z" * 60) >= segment
    store.close()


def test_one_process_per_spool(tmp_path: Path) -> None:
    holder = spool(tmp_path)
    holder.open()
    with pytest.raises(SpoolLocked):
        spool(tmp_path).open()
    holder.close()
    spool(tmp_path).open()


async def test_a_record_whose_waiter_left_is_still_handed_over_once_fsynced(
    tmp_path: Path,
) -> None:
    store = spool(tmp_path)
    store.open()
    handed: list[tuple[int, list[tuple[object, int]]]] = []
    store.on_durable = lambda segment, group: handed.append((segment, group))
    kept, left = store.append(b"kept", "a"), store.append(b"left", "b")
    left.cancel()  # the client disconnected while its message was being written
    segment = await kept
    await store.settle()
    assert handed == [(segment, [("a", 4), ("b", 4)])]
    store.close()
    again = spool(tmp_path)
    assert [body for _, body in again.open()] == [b"kept", b"left"]
    again.close()
