"""The built entity dictionaries kept in the user's cache folder, one file per dictionary."""

import pickle
from pathlib import Path

import pytest

from hduce.plugins.documents.services.extraction.entities import _cache


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder of the test's own (`$XDG_CACHE_HOME`)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "hduce"


def test_a_dictionary_is_built_once_then_read_back(cache_home: Path) -> None:
    builds: list[int] = []

    def build() -> dict[str, int]:
        builds.append(1)
        return {"metformin": 1}

    assert _cache.cached("drugs", build) == {"metformin": 1}
    assert _cache.cached("drugs", build) == {"metformin": 1}
    assert builds == [1]


def test_a_rebuild_removes_the_copies_built_by_other_versions(cache_home: Path) -> None:
    """Regression: each library upgrade or builder change left its ~20 MB pickles behind."""
    cache_home.mkdir(parents=True)
    stale = cache_home / "drugs-0123456789abcdef.pickle"
    stale.write_bytes(pickle.dumps({"old": 0}))
    other = cache_home / "diagnoses-0123456789abcdef.pickle"
    other.write_bytes(pickle.dumps({"kept": 0}))

    assert _cache.cached("drugs", lambda: {"new": 1}) == {"new": 1}

    assert not stale.exists()
    assert other.exists()  # another dictionary's file is not this rebuild's to remove
    assert [path.name.split("-")[0] for path in cache_home.glob("drugs-*")] == ["drugs"]
