"""The extraction pool's processes: started on demand, recycled when worn, gone when idle."""

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hduce.plugins.documents.services.extraction import (
    ExtractionOptions,
    ExtractorCrashed,
    ExtractorPool,
    ProcessLimits,
)
from hduce.plugins.documents.services.extraction._pool import ExtractionStopped
from tests.plugins.documents.files import CLINIC_LETTER, inflating_pdf, scanned_letters_pdf
from tests.plugins.documents.helpers import extraction_processes

MIB = 1024**2
GIB = 1024 * MIB
LASTING = ProcessLimits(memory=GIB, recycle_after=1000, recycle_resident=GIB, idle=600)


@pytest.fixture
def letter(tmp_path: Path) -> str:
    """A plain-text file to extract."""
    path = tmp_path / "letter.txt"
    path.write_text(CLINIC_LETTER)
    return str(path)


@pytest.fixture
async def pools() -> AsyncIterator[list[ExtractorPool]]:
    """Pools a test makes; each closed at the end."""
    made: list[ExtractorPool] = []
    yield made
    for pool in made:
        await pool.close()


async def extract(pool: ExtractorPool, path: str) -> set[int]:
    """Extract `path`; the pids of the live extraction processes afterwards."""
    result = await pool.extract(path, "text/plain", ExtractionOptions(), seconds=30)
    assert result["ok"], result
    return {process.pid for process in extraction_processes()}


async def none_left() -> bool:
    """Wait (without blocking the loop the pool runs on) until no extraction process is left."""
    for _ in range(150):
        if not extraction_processes():
            return True
        await asyncio.sleep(0.1)
    return False


def limits(**changes: float) -> ProcessLimits:
    """Long-lived processes, but for `changes`."""
    return dataclasses.replace(LASTING, **changes)


async def test_processes_start_on_demand_and_exit_when_idle(
    pools: list[ExtractorPool], letter: str
) -> None:
    pool = ExtractorPool(2, limits(idle=0.5))
    pools.append(pool)
    assert extraction_processes() == []
    assert len(await extract(pool, letter)) == 1, "one document starts one process, not two"
    assert await none_left()
    assert len(await extract(pool, letter)) == 1, "a new one starts for the next document"


async def test_a_process_is_replaced_after_recycle_after_documents(
    pools: list[ExtractorPool], letter: str
) -> None:
    pool = ExtractorPool(1, limits(recycle_after=2))
    pools.append(pool)
    first = await extract(pool, letter)
    await extract(pool, letter)
    assert await none_left()
    assert (await extract(pool, letter)).isdisjoint(first)


async def test_a_process_holding_more_than_the_bound_is_replaced(
    pools: list[ExtractorPool], letter: str
) -> None:
    pool = ExtractorPool(1, limits(recycle_resident=1))
    pools.append(pool)
    await extract(pool, letter)
    assert await none_left()


async def test_close_stops_the_processes(pools: list[ExtractorPool], letter: str) -> None:
    pool = ExtractorPool(2, LASTING)
    assert len(await extract(pool, letter)) == 1
    await pool.close()
    assert extraction_processes() == []


async def test_a_process_dying_on_a_file_fails_that_file_only(
    pools: list[ExtractorPool], letter: str, tmp_path: Path
) -> None:
    bomb = tmp_path / "bomb.pdf"
    bomb.write_bytes(inflating_pdf(512 * MIB))
    pool = ExtractorPool(1, limits(memory=384 * MIB))
    pools.append(pool)
    unchecked = ExtractionOptions(max_stream=0)  # PDFium meets the memory limit itself
    with pytest.raises(ExtractorCrashed) as crash:
        await pool.extract(str(bomb), "application/pdf", unchecked, seconds=60)
    assert str(crash.value).startswith("the extraction process died on this file (SIG")
    assert "384 MiB extraction memory limit" in str(crash.value)
    assert len(await extract(pool, letter)) == 1


async def test_closing_the_pool_stops_a_running_extraction_without_blaming_the_file(
    letter: str, tmp_path: Path
) -> None:
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(scanned_letters_pdf(40))
    pool = ExtractorPool(1, LASTING)
    running = asyncio.ensure_future(
        pool.extract(str(scan), "application/pdf", ExtractionOptions(), seconds=120)
    )
    while not extraction_processes():
        await asyncio.sleep(0.05)
    await asyncio.sleep(2)
    await pool.close()
    with pytest.raises(ExtractionStopped):
        await running
    with pytest.raises(ExtractionStopped):
        await pool.extract(letter, "text/plain", ExtractionOptions(), seconds=30)
    assert extraction_processes() == [], "a closed pool starts no process"
