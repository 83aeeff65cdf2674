"""Start `hduce` subprocesses and make sure every process a test started is gone afterwards."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import psutil

from hduce.runtime import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
TEST_CONFIG = REPO_ROOT / "config" / "test.toml"


def hduce_env(**extra: str) -> dict[str, str]:
    """Environment for `hduce` subprocesses: repo on the path, the test config, `extra` on top."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HDUCE_")}
    for name in ("DATABASE_URL", "JWT_SECRET", "DEBUG", "LOG_LEVEL"):
        env.pop(name, None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env["HDUCE_CONFIG"] = str(TEST_CONFIG)
    env.update(extra)
    return env


def loaded_after(code: str, modules: Sequence[str], *args: str, timeout: float = 120) -> list[str]:
    """Which of `modules` a fresh Python has imported once it ran `code` (with `args` as argv)."""
    listed = f"sorted(set({list(modules)!r}) & set(sys.modules))"
    check = f"\nimport json, sys\nprint(json.dumps({listed}))\n"
    done = subprocess.run(
        [sys.executable, "-c", code + check, *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


@contextmanager
def hduce_process(
    args: list[str], env: dict[str, str], log: Path, cwd: Path = REPO_ROOT
) -> Iterator[subprocess.Popen[bytes]]:
    """Run `python -m hduce <args>` in `cwd`; on exit kill it and every descendant by pid."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "hduce", *args],
            env=env,
            cwd=cwd,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        kill_tree(process.pid)
        process.wait(timeout=10)


def kill_tree(pid: int) -> None:
    """SIGKILL a process and all its descendants, ignoring those already gone."""
    try:
        parent = psutil.Process(pid)
        victims = [*parent.children(recursive=True), parent]
    except psutil.NoSuchProcess:
        return
    for victim in victims:
        with contextlib.suppress(psutil.NoSuchProcess):
            victim.send_signal(signal.SIGKILL)


def processes_using(path: Path) -> list[psutil.Process]:
    """Live postgres / nats-server processes whose command line or cwd is under `path`."""
    found = []
    marker = str(path)
    for process in psutil.process_iter(["name", "cmdline", "cwd", "status"]):
        info = process.info
        if info["status"] == psutil.STATUS_ZOMBIE:
            continue
        if info["name"] not in ("postgres", "nats-server"):
            continue
        text = " ".join(info["cmdline"] or []) + " " + (info["cwd"] or "")
        if marker in text:
            found.append(process)
    return found


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    """Poll `predicate` until it is true or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """GET `url`: its status and body (0 when nothing answers)."""
    return _answer(urllib.request.Request(url, headers=headers or {}))


def post(url: str, data: object, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """POST `data` as JSON to `url`: its status and body (0 when nothing answers)."""
    body = json.dumps(data).encode()
    json_headers = {"Content-Type": "application/json", **(headers or {})}
    return _answer(urllib.request.Request(url, data=body, headers=json_headers, method="POST"))


def _answer(request: urllib.request.Request) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError:
        return 0, b""


@contextmanager
def serving(
    tmp_path: Path, data_dir: Path, **extra: str
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`hduce serve` on `data_dir` and a free port, once healthy; the process and its base URL.

    `extra` is more environment. Its output goes to `tmp_path/serve.log`; it is killed (with
    what it started) afterwards.
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = hduce_env(HDUCE_DATA_DIR=str(data_dir), HDUCE_SERVER__PORT=str(port), **extra)
    with hduce_process(["serve"], env, tmp_path / "serve.log") as server:
        green = wait_until(
            lambda: get(f"{base}/health/detailed")[0] == 200, timeout=90, interval=0.3
        )
        assert green, (tmp_path / "serve.log").read_text()[-3000:]
        yield server, base
