"""One extraction process: `python <this file> PARENT_PID MEMORY_LIMIT`.

It reads jobs (msgpack frames) on stdin and answers each on stdout, under an address-space limit,
and dies with its parent: a parent-death signal (Linux), a watchdog on the parent's pid for
other systems and for the moment before the signal was set, and the end of stdin.

Run as a script, not with `-m`: `-m` would import the plugin package, and with it the web
application (Litestar, TaskIQ, NATS: about 50 MB and a second per process) that extraction
never uses. For the same reason the plugin's packages (`documents`, `services`, `schemas`, this
folder's) are bare here: their `__init__` never runs, and modules are imported by full name.
"""

import ctypes
import os
import resource
import signal
import sys
import threading
import time
from collections.abc import Sequence
from importlib.abc import Loader, MetaPathFinder
from importlib.machinery import ModuleSpec, PathFinder
from types import ModuleType
from typing import BinaryIO

_PR_SET_PDEATHSIG = 1
_WATCH_INTERVAL = 1.0
_PLUGIN = "hduce.plugins.documents"
_EXTRACTION = f"{_PLUGIN}.services.extraction"
"""Its sub-packages (the entities) hold extraction code only, so they load as usual."""


def die_with_parent(parent: int) -> None:
    """Exit as soon as the process `parent` is gone, however it ended."""
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    threading.Thread(target=_watch, args=(parent,), name="parent-watch", daemon=True).start()


def _watch(parent: int) -> None:
    # An orphan is adopted by another process (init or a subreaper): its parent pid changes.
    while os.getppid() == parent:
        time.sleep(_WATCH_INTERVAL)
    os._exit(1)


def limit_memory(limit: int) -> None:
    """Cap the address space at `limit` bytes (0: no cap); a larger allocation fails."""
    if limit > 0:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def resident_bytes() -> int:
    """The process's resident memory now."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def serve(jobs: BinaryIO, answers: BinaryIO) -> None:
    """Extract each job read from `jobs` until it ends; answer with the result and memory held."""
    from hduce.plugins.documents.services.extraction._extract import extract_file, preload
    from hduce.plugins.documents.services.extraction._frames import Job, read_frame, write_frame

    preload()
    write_frame(answers, {"ready": True})
    while (job := read_frame(jobs, Job)) is not None:
        result = extract_file(job.path, job.content_type, job.options)
        write_frame(answers, {**result, "resident": resident_bytes()})


def main() -> None:
    """Set the limits, keep stdout for answers (stray output of C libraries goes to stderr)."""
    parent, limit = int(sys.argv[1]), int(sys.argv[2])
    die_with_parent(parent)
    limit_memory(limit)
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    serve(sys.stdin.buffer, answers)


class BarePackages(MetaPathFinder, Loader):
    """Finds the plugin's packages without running their `__init__` (the web application)."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        """The spec of a package of the plugin, loaded by this finder; None for anything else."""
        inside = fullname == _PLUGIN or fullname.startswith(f"{_PLUGIN}.")
        if not inside or fullname.startswith(f"{_EXTRACTION}."):
            return None
        spec = PathFinder.find_spec(fullname, path)
        if spec is None or spec.submodule_search_locations is None:
            return None  # a module: imported as usual
        spec.loader = self
        return spec

    def create_module(self, spec: ModuleSpec) -> None:
        """The default module object."""

    def exec_module(self, module: ModuleType) -> None:
        """Nothing: the package stays empty, its modules import each other by full name."""


if __name__ == "__main__":
    sys.path.pop(0)  # this file's folder: its modules are not top-level ones
    sys.meta_path.insert(0, BarePackages())
    main()
