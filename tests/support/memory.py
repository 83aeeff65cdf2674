"""How much memory this process took at its peak during a block (Linux's VmHWM, reset first)."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

STATUS = Path("/proc/self/status")


def _status_bytes(field: str) -> int:
    (line,) = [line for line in STATUS.read_text().splitlines() if line.startswith(f"{field}:")]
    return int(line.split()[1]) * 1024


@dataclass
class Growth:
    """The peak resident memory during the block above what was resident at its start."""

    bytes: int = 0


@contextmanager
def peak_growth() -> Iterator[Growth]:
    """Measure the block's peak RSS growth (threads included: they share the process's memory)."""
    Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) starts again from now
    before = _status_bytes("VmRSS")
    growth = Growth()
    try:
        yield growth
    finally:
        growth.bytes = _status_bytes("VmHWM") - before
