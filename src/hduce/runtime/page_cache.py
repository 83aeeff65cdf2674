"""How large a page cache (`shared_buffers`) the embedded PostgreSQL gets when set to `auto`."""

from pathlib import Path

import psutil

_MIN_PAGE_CACHE = 128 << 20
"""PostgreSQL's own default `shared_buffers`."""
_MAX_PAGE_CACHE = 1 << 30


def memory_page_cache() -> int:
    """Bytes: an eighth of the memory this process may use, between 128MB and 1GB.

    PostgreSQL's default, 128MB, leaves a 100,000-document search index mostly outside it.
    """
    limit = min(psutil.virtual_memory().total, _cgroup_memory_limit() or 1 << 62)
    return min(max(limit // 8, _MIN_PAGE_CACHE), _MAX_PAGE_CACHE)


def auto_shared_buffers(pgdata: Path) -> str:
    """Twice the cluster's data on disk, at least 128MB, at most `memory_page_cache()`.

    A cache larger than the data holds nothing more, yet PostgreSQL's processes map and touch
    its bookkeeping (a fresh install at 1GB held about 45 MB more resident memory); read at
    each start, so the cache grows with the data from one start to the next.
    """
    data = sum(f.stat().st_size for f in (pgdata / "base").rglob("*") if f.is_file())
    return f"{min(max(2 * data, _MIN_PAGE_CACHE), memory_page_cache()) >> 20}MB"


def _cgroup_memory_limit() -> int | None:
    """The container's memory limit (cgroup v2 `memory.max`), if it sets one."""
    try:
        text = Path("/sys/fs/cgroup/memory.max").read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
