"""Progress of long jobs: a bar on a terminal, plain lines in a pipe."""

import os
import pty
import subprocess
import sys

from tests.support.processes import hduce_env

JOB = (
    "from hduce.core.cli_progress import progress\n"
    "with progress('copy', 3) as advance:\n"
    "    advance(1); advance(2)\n"
)


def run_job(*, terminal: bool) -> str:
    if not terminal:
        result = subprocess.run(
            [sys.executable, "-c", JOB], capture_output=True, text=True, env=hduce_env(), timeout=30
        )
        return result.stderr
    leader, follower = pty.openpty()
    try:
        subprocess.run(
            [sys.executable, "-c", JOB], stderr=follower, env=hduce_env(), timeout=30, check=True
        )
        return os.read(leader, 65536).decode(errors="replace")
    finally:
        os.close(leader)
        os.close(follower)


def test_a_terminal_gets_a_bar() -> None:
    output = run_job(terminal=True)
    assert "━" in output and "3/3" in output, output
    assert output.rstrip().endswith("copy: done")


def test_a_pipe_gets_plain_lines() -> None:
    assert run_job(terminal=False).splitlines() == ["copy: 3 to do", "copy: 3 done"]


def test_a_long_job_in_a_pipe_prints_a_line_now_and_then() -> None:
    job = (
        "import time\n"
        "from hduce.core import cli_progress\n"
        "cli_progress.PLAIN_EVERY = 0.25  # seconds; 10 in use\n"
        "with cli_progress.progress('copy', 3) as advance:\n"
        "    advance(1); time.sleep(0.5); advance(1); time.sleep(0.5); advance(1)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", job], capture_output=True, text=True, env=hduce_env(), timeout=30
    )
    lines = result.stderr.splitlines()
    assert lines == ["copy: 3 to do", "copy: 2 done", "copy: 3 done"], result.stderr
