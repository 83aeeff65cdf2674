"""Fixtures of the search tests: one running clinic per test module."""

from collections.abc import AsyncIterator, Iterator

import pytest

from hduce.core.config import Settings
from hduce.plugins.search.services.embedding.local import LocalEmbedder
from hduce.plugins.search.services.embedding.weights import ModelMissing, archive_path
from tests.plugins.search.fake_meilisearch import FakeMeilisearch, running_fake
from tests.plugins.search.helpers import MEILI_KEY, search_settings
from tests.plugins.users.clinic import Clinic, running_clinic


@pytest.fixture(scope="module")
async def clinic(settings: Settings) -> AsyncIterator[Clinic]:
    """The app with identity, notifications, appointments and search (PostgreSQL backend)."""
    async with running_clinic(search_settings(settings)) as running:
        yield running


@pytest.fixture(scope="session")
async def local_embedder(settings: Settings) -> AsyncIterator[LocalEmbedder]:
    """The local MiniLM embedder, its process started once for the whole session."""
    try:
        archive_path()
    except ModelMissing as exc:
        pytest.skip(f"model wheel not installed ({exc})")
    embedder = LocalEmbedder(settings.data_dir)
    await embedder.start()
    yield embedder
    await embedder.aclose()


@pytest.fixture(scope="module")
def meili() -> Iterator[FakeMeilisearch]:
    """A fake Meilisearch on a free loopback port, answering `MEILI_KEY`."""
    with running_fake(MEILI_KEY) as fake:
        yield fake
