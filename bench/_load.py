"""Load for the HTTP benches: client loops, and one server's rate with its CPU per answer.

`wrk` drives the load when it is on PATH; else (with a warning) the Python keep-alive client,
which shares the cores with the servers and flattens the ratios between them.
"""

import asyncio
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import httpx
import psutil

from _common import percentile
from _keepalive import KeepAliveClient


@dataclass
class Load:
    """What one load phase measured."""

    label: str
    ok: int = 0
    seconds: float = 0.0
    errors: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Successful requests per second."""
        return self.ok / self.seconds if self.seconds else 0.0

    def row(self) -> list[object]:
        """A line of the results table."""
        errors = ", ".join(f"{k} x{v}" for k, v in sorted(self.errors.items())) or "-"
        lat = self.latencies_ms
        return [self.label, self.ok, self.rate, percentile(lat, 50), percentile(lat, 99), errors]


async def hammer(
    label: str,
    clients: int,
    seconds: float,
    request: Callable[[int, int], Awaitable[int]],
    expected: int = 200,
) -> Load:
    """`clients` loops sending `request(client, n)` (which returns a status) for `seconds`."""
    load = Load(label)
    loop = asyncio.get_running_loop()
    started = loop.time()
    deadline = started + seconds

    async def one_client(index: int) -> None:
        n = 0
        while loop.time() < deadline:
            sent = time.perf_counter()
            try:
                status = str(await request(index, n))
            except (httpx.HTTPError, OSError, asyncio.IncompleteReadError) as exc:
                status = type(exc).__name__
            load.latencies_ms.append((time.perf_counter() - sent) * 1000)
            if status == str(expected):
                load.ok += 1
            else:
                load.errors[status] += 1
            n += 1

    await asyncio.gather(*(one_client(i) for i in range(clients)))
    load.seconds = loop.time() - started
    return load


class Rate(NamedTuple):
    """One measurement: answers per second, answers, server CPU µs per answer."""

    per_s: float
    requests: int
    cpu_us: float = 0.0


def wrk_available(python_client: bool) -> bool:
    """Whether `wrk` drives the load (not when `python_client`); warns when it does not."""
    if not python_client and shutil.which("wrk") is not None:
        return True
    print(
        "warning: wrk not on PATH (or --python-client): the Python client shares the cores "
        "with the servers and flattens the ratios",
        file=sys.stderr,
    )
    return False


async def server_rate(
    server: tuple[int, int],
    path: str,
    headers: dict[str, str],
    *,
    connections: int,
    seconds: float,
    use_wrk: bool,
) -> Rate:
    """The rate of one server `(port, pid)` on `path`, with its process's CPU per answer.

    The CPU per answer is a figure the other load on a shared machine moves much less than
    the rate.
    """
    port, pid = server
    process = psutil.Process(pid)
    cpu_before = sum(process.cpu_times()[:2])
    if use_wrk:
        measured = await asyncio.to_thread(wrk_rate, port, path, headers, connections, seconds)
    else:
        measured = await python_rate(port, path, headers, connections, seconds)
    cpu = sum(process.cpu_times()[:2]) - cpu_before
    return measured._replace(cpu_us=cpu * 1e6 / max(measured.requests, 1))


def wrk_rate(
    port: int, path: str, headers: dict[str, str], connections: int, seconds: float
) -> Rate:
    """Requests/s `wrk` measured; non-2xx answers are an error, not a rate."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    ).stdout
    if bad := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        raise RuntimeError(f"{bad.group(1)} failed answers from port {port}{path}:\n{output}")
    found = re.search(r"(\d+) requests in [\d.]+\w+.*Requests/sec:\s+([\d.]+)", output, re.S)
    if found is None:
        raise RuntimeError(f"no rate in wrk's output:\n{output}")
    return Rate(float(found.group(2)), int(found.group(1)))


async def python_rate(
    port: int, path: str, headers: dict[str, str], connections: int, seconds: float
) -> Rate:
    """Requests/s of the Python keep-alive client (only 200s count)."""
    clients = [KeepAliveClient("127.0.0.1", port) for _ in range(connections)]

    async def request(index: int, _: int) -> int:
        return await clients[index].get(path, headers)

    try:
        load = await hammer(path, connections, seconds, request)
    finally:
        await asyncio.gather(*(c.close() for c in clients))
    if load.errors:
        raise RuntimeError(f"failed answers from port {port}{path}: {dict(load.errors)}")
    return Rate(load.rate, load.ok)
