"""Command-line start-up benchmark: wall time of `python -m hduce` commands that need no server.

Run from the repository root: `.venv/bin/python bench/cli_startup.py [--runs 5]`. Each command is
run `--runs` times (after one unmeasured run, so the page cache is warm); prints min and median.
"""

import argparse
import subprocess
import sys
import time
from collections.abc import Sequence

from _common import REPO_ROOT, median, print_table, subprocess_env, verdict

TARGET_S = 0.6
COMMANDS: tuple[tuple[str, ...], ...] = (
    ("--help",),
    ("version",),
    ("--config", "config/test.toml", "config", "show"),
    ("--config", "config/test.toml", "config", "check"),
    ("user", "--help"),
)


def wall_time(args: Sequence[str]) -> float:
    """Seconds `python -m hduce *args` takes, start to exit; it must succeed or exit 1 (a check)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "hduce", *args],
        cwd=REPO_ROOT,
        env=subprocess_env(JWT_SECRET="x" * 40),
        capture_output=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"hduce {' '.join(args)} failed: {done.stderr.decode()[-500:]}")
    return elapsed


def main() -> None:
    """Time each command and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="measured runs per command")
    runs = parser.parse_args().runs
    rows = []
    for args in COMMANDS:
        wall_time(args)
        times = [wall_time(args) for _ in range(runs)]
        rows.append((" ".join(args), min(times), median(times), verdict(median(times) <= TARGET_S)))
    print_table(("hduce ...", "min s", "median s", f"<= {TARGET_S} s"), rows)


if __name__ == "__main__":
    main()
