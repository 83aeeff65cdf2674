"""The web app loads the local embedding model as it starts, not on the first search."""

import asyncio

import psutil
import pytest

from hduce.core.config import Settings
from hduce.plugins.search.services.embedding.weights import ModelMissing, archive_path
from tests.plugins.search.helpers import search, search_settings
from tests.plugins.users.clinic import running_clinic


def embedding_processes() -> set[int]:
    """The ids of this test process's embedding processes (spawned by multiprocessing)."""
    children = psutil.Process().children()
    return {p.pid for p in children if "spawn_main" in " ".join(p.cmdline())}


async def test_the_model_loads_as_the_app_starts_and_stops_with_it(settings: Settings) -> None:
    try:
        archive_path()
    except ModelMissing as exc:
        pytest.skip(f"model wheel not installed ({exc})")
    before = embedding_processes()
    async with running_clinic(search_settings(settings, embedder="local")) as clinic:
        # No search yet: the app's own embedding process appears on its own.
        for _ in range(300):
            started = embedding_processes() - before
            if started:
                break
            await asyncio.sleep(0.1)
        assert started, "no embedding process started with the app"
        doctor = await clinic.member("doctor")
        await search(clinic, doctor, "heart attack", mode="semantic")
        assert embedding_processes() - before == started, "the search started another process"
    for _ in range(100):
        if not embedding_processes() & started:
            break
        await asyncio.sleep(0.1)
    assert not embedding_processes() & started, "the embedding process outlived the app"
