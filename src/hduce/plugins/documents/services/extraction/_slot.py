"""One extraction process, run and watched by the pool: started lazily, recycled, stopped idle."""

import asyncio
import contextlib
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hduce.plugins.documents.services.extraction._frames import (
    HEADER_SIZE,
    Job,
    decode_body,
    encode_frame,
    frame_length,
)

PROCESS_SCRIPT = str(Path(__file__).with_name("_process.py"))
START_TIMEOUT = 60.0
"""Longest wait for a new process to import its libraries (not counted in a job's timeout)."""
STOP_GRACE = 5.0
"""How long a process told to stop may take before it is killed."""
MIB = 1024 * 1024
FROM_OUTSIDE = frozenset({signal.SIGKILL, signal.SIGTERM})
"""Deaths no file causes: an operator's kill or the OOM killer (the memory limit aborts instead)."""


class ExtractorCrashed(RuntimeError):
    """The extraction process died on this file (e.g. PDFium aborted on a malformed file)."""


class ExtractorKilled(RuntimeError):
    """The extraction process was killed from outside while reading a file: not the file's doing."""


class ExtractionStopped(RuntimeError):
    """The pool was closed (the worker is stopping) before the extraction finished."""


class ExtractionTimedOut(RuntimeError):
    """An extraction ran longer than allowed; its process was killed."""


@dataclass(frozen=True)
class ProcessLimits:
    """How much an extraction process may hold and how long it lives."""

    memory: int
    """Address-space limit in bytes (0: none)."""
    recycle_after: int
    """Documents one process extracts before it is replaced."""
    recycle_resident: int
    """Resident bytes after a document beyond which the process is replaced."""
    idle: float
    """Seconds without work after which the process exits."""


class Slot:
    """One job at a time in one process of its own, so a timeout or crash hurts only this job."""

    def __init__(self, limits: ProcessLimits) -> None:
        self._limits = limits
        self._process: asyncio.subprocess.Process | None = None
        self._jobs = 0
        self._idle: asyncio.TimerHandle | None = None
        self._leaving: dict[asyncio.subprocess.Process, asyncio.Task[int]] = {}
        """Processes told to stop, with the task waiting for their exit."""
        self._closed = False

    async def run(self, job: Job, seconds: float) -> dict[str, Any]:
        """Extract `job` in this slot's process; only its running time counts towards `seconds`."""
        if self._idle is not None:
            self._idle.cancel()
        if self._closed:
            raise ExtractionStopped("extraction stopped: the worker is shutting down")
        process = self._process or await self._start()
        try:
            assert process.stdin is not None and process.stdout is not None
            process.stdin.write(encode_frame(job))
            await process.stdin.drain()
            answer = await asyncio.wait_for(_read_answer(process.stdout), seconds)
        except TimeoutError:
            self._kill()
            raise ExtractionTimedOut(f"extraction took longer than {seconds:g} s") from None
        except (asyncio.IncompleteReadError, ConnectionError):
            self._process = None
            raise self._death(await process.wait()) from None
        except BaseException:
            self._kill()  # cancelled mid-job: its answer must not reach the next job
            raise
        self._after(answer)
        return answer

    async def close(self) -> None:
        """Stop the process (and any still leaving), killing those that do not exit in time."""
        self._closed = True
        if self._idle is not None:
            self._idle.cancel()
        self._retire()
        leaving = dict(self._leaving)
        try:
            await asyncio.wait_for(asyncio.gather(*leaving.values()), STOP_GRACE)
        except TimeoutError:
            for process in leaving:
                _kill(process)

    async def _start(self) -> asyncio.subprocess.Process:
        # Started from the event loop's thread: the parent-death signal follows the thread
        # that forked, so never start one from a short-lived worker thread.
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            PROCESS_SCRIPT,
            str(os.getpid()),
            str(self._limits.memory),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert process.stdout is not None
        try:
            await asyncio.wait_for(_read_answer(process.stdout), START_TIMEOUT)
        except (TimeoutError, asyncio.IncompleteReadError) as exc:
            died = await process.wait() if isinstance(exc, asyncio.IncompleteReadError) else 0
            _kill(process)
            if _killed(died) and not self._closed:
                raise ExtractorKilled("the extraction process was killed while starting") from None
            raise ExtractorCrashed("the extraction process did not start") from None
        self._process, self._jobs = process, 0
        return process

    def _after(self, answer: dict[str, Any]) -> None:
        """Recycle a worn process; otherwise let it exit once idle for long enough."""
        self._jobs += 1
        limits = self._limits
        if self._jobs >= limits.recycle_after or answer["resident"] > limits.recycle_resident:
            self._retire()
        else:
            self._idle = asyncio.get_running_loop().call_later(limits.idle, self._retire)

    def _retire(self) -> None:
        """Ask the process to exit (end of its input) and stop using it."""
        process, self._process = self._process, None
        if process is None or process.stdin is None:
            return
        process.stdin.close()
        waiting = asyncio.ensure_future(process.wait())
        self._leaving[process] = waiting
        waiting.add_done_callback(lambda _: self._leaving.pop(process, None))
        asyncio.get_running_loop().call_later(STOP_GRACE, _kill, process)

    def _kill(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            _kill(process)

    def _death(self, code: int) -> RuntimeError:
        """Why the process running a job ended with `code`, as the exception to raise."""
        if self._closed:
            return ExtractionStopped("extraction stopped: the worker is shutting down")
        cause = signal.Signals(-code).name if code < 0 else f"exit status {code}"
        if _killed(code):
            return ExtractorKilled(f"the extraction process was killed ({cause})")
        return ExtractorCrashed(
            f"the extraction process died on this file ({cause}): it is damaged, or needs more "
            f"than {memory_limit(self._limits.memory)}"
        )


def memory_limit(limit: int) -> str:
    """The extraction memory limit of `limit` bytes (0: none) in words."""
    return f"the {limit / MIB:.0f} MiB extraction memory limit" if limit else "the memory available"


def _killed(code: int) -> bool:
    """Whether an exit `code` is a death by a signal from outside."""
    return code < 0 and signal.Signals(-code) in FROM_OUTSIDE


async def _read_answer(stream: asyncio.StreamReader) -> dict[str, Any]:
    header = await stream.readexactly(HEADER_SIZE)
    body = await stream.readexactly(frame_length(header))
    # A long text or many entities take a while to decode: not on the event loop.
    return await asyncio.to_thread(decode_body, body, dict[str, Any])


def _kill(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
