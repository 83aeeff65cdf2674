"""A full document store: uploads answer 507, health says so, and both recover without a restart.

The store is a real 4 MiB tmpfs (skipped where mounting is not permitted).
"""

import contextlib
import errno
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hduce.core.registry import HealthStatus
from tests.plugins.documents.files import CLINIC_LETTER
from tests.plugins.documents.helpers import partial_files, upload
from tests.plugins.users.clinic import Clinic, Member

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def documents_config() -> dict[str, Any]:
    """Health wants 1 MiB free."""
    return {"storage_min_free": MIB}


@pytest.fixture(scope="module")
def storage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A 4 MiB tmpfs as the module's store."""
    folder = tmp_path_factory.mktemp("small-store")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(path: Path, leave: int = 0) -> None:
    """Write `path` until the file system has at most `leave` bytes free (all of it: ENOSPC)."""
    with path.open("wb") as filler, contextlib.suppress(OSError):
        while True:
            free = shutil.disk_usage(path.parent).free
            if free <= leave:
                return
            filler.write(b"\0" * min(64 * 1024, max(4096, free - leave)))
            filler.flush()


async def health(clinic: Clinic) -> HealthStatus:
    """The documents health check, run now."""
    return await clinic.in_app(clinic.context.registry.health_checks["documents"])


async def test_a_full_store_answers_507_and_recovers(
    clinic: Clinic, storage: Path, doctor: Member, patient: Member
) -> None:
    letter = CLINIC_LETTER.encode() * 2000  # 300 KB: more than the store has left
    filler = storage / "filler"
    fill(filler)
    with pytest.raises(OSError) as full:
        (storage / "probe").write_bytes(b"\0" * 65536)
    assert full.value.errno == errno.ENOSPC
    (storage / "probe").unlink(missing_ok=True)

    refused = await upload(clinic, doctor, letter, patient=patient)
    assert refused.status_code == 507, refused.text
    problem = refused.json()
    assert problem["type"].endswith("/insufficient-storage")
    assert "no space left" in problem["detail"]
    assert partial_files(storage) == []
    status = await health(clinic)
    assert (status.ok, status.detail["writable"]) == (False, False)

    filler.unlink()
    assert (await upload(clinic, doctor, letter, patient=patient)).status_code == 201
    status = await health(clinic)
    assert (status.ok, status.detail["writable"]) == (True, True)
    assert status.detail["free"] > MIB


async def test_health_fails_below_the_free_space_minimum(clinic: Clinic, storage: Path) -> None:
    filler = storage / "filler"
    fill(filler, leave=MIB // 2)
    try:
        status = await health(clinic)
        assert status.detail["writable"] is True
        assert status.ok is False
        assert status.detail["free"] < MIB <= status.detail["min_free"]
    finally:
        filler.unlink()
    assert (await health(clinic)).ok is True
