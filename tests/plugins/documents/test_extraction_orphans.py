"""Extraction processes die with the process that owns them, even when it is killed -9."""

import signal
import subprocess
import sys
from pathlib import Path

import psutil

from tests.plugins.documents.files import long_pdf
from tests.plugins.documents.helpers import extraction_processes
from tests.support.processes import REPO_ROOT, hduce_env, kill_tree, wait_until


def alive(process: psutil.Process) -> bool:
    """Running and not a zombie (an orphan's zombie is gone as far as resources go)."""
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_killing_the_owner_ends_its_extraction_processes(tmp_path: Path) -> None:
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(long_pdf(2))
    owner = subprocess.Popen(
        [sys.executable, "-m", "tests.plugins.documents.pool_owner", str(pdf)],
        cwd=REPO_ROOT,
        env=hduce_env(),
        stdout=subprocess.PIPE,
    )
    descendants: list[psutil.Process] = []
    try:
        assert owner.stdout is not None
        assert owner.stdout.readline() == b"ready\n"
        assert len(extraction_processes(owner.pid)) == 2
        descendants = psutil.Process(owner.pid).children(recursive=True)
        owner.send_signal(signal.SIGKILL)
        owner.wait(timeout=10)
        gone = wait_until(lambda: not any(alive(p) for p in descendants), timeout=15)
        assert gone, f"orphans: {[p.pid for p in descendants if alive(p)]}"
    finally:
        kill_tree(owner.pid)
        for process in descendants:
            if alive(process):
                process.kill()
        owner.wait(timeout=10)
