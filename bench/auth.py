"""Auth benchmark: logins/s with `/health` p99 meanwhile; `GET /users/me` req/s against two anchors.

Run from the repository root: `.venv/bin/python bench/auth.py [--seconds 10] [--login-clients 8]`.
"""

import argparse
import asyncio
import secrets
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import asyncpg
import httpx

from _common import (
    REPO_ROOT,
    exit_on_sigterm,
    free_port,
    kill_tree,
    median,
    percentile,
    print_table,
    scratch_dir,
    subprocess_env,
    verdict,
)
from _load import Load, Rate, hammer, server_rate, wrk_available
from hduce.core.config import AuthSettings, DatabaseSettings
from hduce.runtime import EmbeddedPostgres

# `/users/me` against each anchor: Starlette+asyncpg verifying the JWT on every request (the
# anchor this target was set against), and the bare app with HDuce's token cache (issue 14's).
ANCHORS = {
    "starlette": ("starlette_app:app", "/api/v1/users/me", 0.8),
    "bare": ("bare_me:app", "/me", 0.5),
}
PLUGINS = '["metrics","audit","auth","users","notifications"]'
UNLIMITED = "1000000000"
# Every limit a bench client from one address would hit long before the server is saturated.
RATE_LIMITS = (
    "HDUCE_SERVER__RATE_LIMIT_PER_MINUTE",
    "HDUCE_PLUGINS__AUTH__LOGIN_PER_MINUTE_PER_IP",
    "HDUCE_PLUGINS__AUTH__LOGIN_PER_MINUTE_PER_ACCOUNT",
    "HDUCE_PLUGINS__AUTH__REGISTER_PER_HOUR_PER_IP",
    "HDUCE_PLUGINS__AUTH__VERIFY_EMAIL_PER_HOUR_PER_IP",
    "HDUCE_PLUGINS__AUTH__VERIFY_EMAIL_PER_HOUR_PER_ACCOUNT",
    # The failure phase counts wrong passwords without ever reaching a lock.
    "HDUCE_PLUGINS__AUTH__LOCKOUT_THRESHOLD",
)
TOKEN_QUERY = """
SELECT substring(d.body_text FROM 'token=([A-Za-z0-9_-]+)') FROM delivery d
JOIN notification n ON n.id = d.notification JOIN account a ON a.id = n.recipient
WHERE n.template = 'verify_email' AND d.channel = 'email' AND a.email = lower($1)
ORDER BY d.created_at DESC LIMIT 1
"""


@dataclass
class User:
    """A registered, verified account and one of its access tokens."""

    email: str
    password: str
    access_token: str = ""


def parse_args() -> argparse.Namespace:
    """Size flags (small defaults)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=16, help="accounts to create (default 16)")
    parser.add_argument("--seconds", type=float, default=5.0, help="each load phase (default 5)")
    parser.add_argument("--warmup", type=float, default=1.0, help="warm-up before each phase")
    parser.add_argument("--login-clients", type=int, default=8, help="concurrent login clients")
    parser.add_argument("--me-clients", type=int, default=16, help="concurrent /users/me clients")
    parser.add_argument("--failures", type=int, default=100, help="failed logins of each kind")
    parser.add_argument("--health-interval", type=float, default=0.01, help="s between probes")
    parser.add_argument("--rounds", type=int, default=3, help="/me rounds per server, interleaved")
    parser.add_argument("--python-client", action="store_true", help="/me load without wrk")
    parser.add_argument(
        "--config", default=str(REPO_ROOT / "config" / "test.toml"), help="config for serve"
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="max seconds to go green")
    parser.add_argument("--keep", action="store_true", help="keep the scratch dir and logs")
    return parser.parse_args()


def serve_command(config: str) -> list[str]:
    """`hduce --config X serve`: the console script next to the interpreter, else `-m hduce`."""
    script = Path(sys.executable).parent / "hduce"
    head = [str(script)] if script.is_file() else [sys.executable, "-m", "hduce"]
    return [*head, "--config", config, "serve"]


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """A server in a session of its own (a Ctrl-C on the bench does not reach it)."""
    with log.open("wb") as output:
        return subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM (so `hduce serve` stops its embedded servers), then force it by pid."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            kill_tree(proc.pid)
            proc.wait()


async def wait_ready(
    client: httpx.AsyncClient, url: str, proc: subprocess.Popen[bytes], limit_s: float
) -> None:
    """Poll `url` until it answers below 500."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode} during start-up")
        try:
            if (await client.get(url, timeout=2)).status_code < 500:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} not ready after {limit_s:.0f} s")


async def create_user(client: httpx.AsyncClient, db: asyncpg.Connection, index: int) -> User:
    """Register, verify the e-mail with the token from the queued e-mail, and log in once."""
    tag = uuid.uuid4().hex[:10]
    user = User(email=f"bench-{index}-{tag}@example.com", password=secrets.token_urlsafe(18))
    body = {
        "email": user.email,
        "username": f"bench{index}{tag}",
        "password": user.password,
        "first_name": "Bench",
        "last_name": f"User{index}",
    }
    response = await client.post("/api/v1/auth/register", json=body)
    response.raise_for_status()
    token = await db.fetchval(TOKEN_QUERY, user.email)
    if token is None:
        raise RuntimeError(f"no verification e-mail for {user.email}")
    response = await client.post("/api/v1/auth/verify-email", json={"token": token})
    response.raise_for_status()
    response = await client.post("/api/v1/auth/login", json=login_body(user))
    response.raise_for_status()
    user.access_token = response.json()["access_token"]
    return user


def login_body(user: User) -> dict[str, str]:
    """The login payload of a user."""
    return {"email": user.email, "password": user.password}


async def probe_health(client: httpx.AsyncClient, interval: float, done: asyncio.Event) -> Load:
    """GET /health every `interval` seconds until `done`; latencies of each."""
    load = Load("/health during logins")
    started = time.perf_counter()
    while not done.is_set():
        sent = time.perf_counter()
        response = await client.get("/health")
        load.latencies_ms.append((time.perf_counter() - sent) * 1000)
        if response.status_code == 200:
            load.ok += 1
        else:
            load.errors[str(response.status_code)] += 1
        await asyncio.sleep(interval)
    load.seconds = time.perf_counter() - started
    return load


def client_for(base: str, clients: int) -> httpx.AsyncClient:
    """A keep-alive client with one connection per concurrent worker."""
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    return httpx.AsyncClient(base_url=base, limits=limits, timeout=30)


class Measured(NamedTuple):
    """The phases with clients of their own, and the `/users/me` rates per target."""

    loads: list[Load]
    me: dict[str, list[Rate]]


async def run_bench(args: argparse.Namespace, scratch: Path) -> Measured:
    """Start HDuce and the anchors, create the users, run every phase; what was measured."""
    data_dir, port = scratch / "data", free_port()
    secret = secrets.token_urlsafe(32)
    env = subprocess_env(
        HDUCE_DATA_DIR=str(data_dir),
        HDUCE_SERVER__PORT=str(port),
        HDUCE_PLUGINS__ENABLED=PLUGINS,
        JWT_SECRET=secret,
        **dict.fromkeys(RATE_LIMITS, UNLIMITED),
    )
    serve = start(serve_command(args.config), env, scratch / "serve.log")
    anchors: dict[str, tuple[int, subprocess.Popen[bytes]]] = {}
    try:
        async with client_for(f"http://127.0.0.1:{port}", args.login_clients) as client:
            await wait_ready(client, "/health/detailed", serve, args.timeout)
            dsn = EmbeddedPostgres(data_dir / "pg").status().dsn
            if dsn is None:
                raise RuntimeError("the embedded PostgreSQL of `hduce serve` is not running")
            db = await asyncpg.connect(dsn)
            try:
                users = [await create_user(client, db, i) for i in range(args.users)]
            finally:
                await db.close()
            print(f"created {len(users)} verified users", flush=True)
            for name, (target, _, _) in ANCHORS.items():
                anchor_port = free_port()
                command = anchor_command(anchor_port, target)
                anchors[name] = anchor_port, start(command, raw_env(dsn, secret), scratch / name)
            loads = await login_phase(args, client, users)
            loads += await failure_phase(args, client, users)
            for name, (anchor_port, process) in anchors.items():
                async with client_for(f"http://127.0.0.1:{anchor_port}", 1) as anchor_client:
                    await wait_ready(anchor_client, ANCHORS[name][1], process, args.timeout)
            servers = {"hduce": (port, serve.pid)}
            servers |= {name: (p, process.pid) for name, (p, process) in anchors.items()}
            return Measured(loads, await me_phase(args, servers, users[0]))
    except BaseException:
        for log in ("serve.log", *ANCHORS):
            path = scratch / log
            if path.exists():
                print(f"--- tail of {path}:", file=sys.stderr)
                tail = path.read_text(errors="replace").splitlines()[-15:]
                print("\n".join(tail), file=sys.stderr)
        raise
    finally:
        for _, process in anchors.values():
            stop(process)
        stop(serve)


def anchor_command(port: int, target: str = "bare_me:app") -> list[str]:
    """Uvicorn serving the anchor `target` with the defaults `hduce serve` uses."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--app-dir",
        str(REPO_ROOT / "bench" / "anchors"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--no-server-header",
        "--log-level",
        "warning",
    ]


def raw_env(dsn: str, secret: str) -> dict[str, str]:
    """The bare app's settings: the same database, secret, issuer and audience as HDuce's."""
    auth, database = AuthSettings(), DatabaseSettings()
    return subprocess_env(
        BENCH_DSN=dsn,
        BENCH_JWT_SECRET=secret,
        BENCH_JWT_ALGORITHM=auth.jwt_algorithm,
        BENCH_JWT_ISSUER=auth.jwt_issuer,
        BENCH_JWT_AUDIENCE=auth.jwt_audience,
        BENCH_POOL_MIN=str(database.pool_min_size),
        BENCH_POOL_MAX=str(database.pool_max_size),
    )


async def login_phase(
    args: argparse.Namespace, client: httpx.AsyncClient, users: list[User]
) -> list[Load]:
    """Idle /health, then sustained logins with /health probed meanwhile."""
    idle_done = asyncio.Event()
    idle_probe = asyncio.create_task(probe_health(client, args.health_interval, idle_done))
    await asyncio.sleep(min(args.seconds, 3.0))
    idle_done.set()
    idle = await idle_probe
    idle.label = "/health idle"

    async def login(index: int, n: int) -> int:
        user = users[(index + n * args.login_clients) % len(users)]
        response = await client.post("/api/v1/auth/login", json=login_body(user))
        return response.status_code

    await hammer("warm-up", args.login_clients, args.warmup, login)
    done = asyncio.Event()
    async with client_for(str(client.base_url), 1) as probe_client:
        probe = asyncio.create_task(probe_health(probe_client, args.health_interval, done))
        logins = await hammer("POST /auth/login", args.login_clients, args.seconds, login)
        done.set()
        during = await probe
    print(f"logins: {logins.rate:.1f}/s", flush=True)
    return [logins, idle, during]


async def failure_phase(
    args: argparse.Namespace, client: httpx.AsyncClient, users: list[User]
) -> list[Load]:
    """Wrong passwords for accounts and for unknown identifiers, alternating, one at a time."""
    known, unknown = Load("failed login, account"), Load("failed login, unknown")
    for n in range(args.failures):
        ghost = f"nobody-{uuid.uuid4().hex[:12]}@example.com"
        for load, email in ((known, users[n % len(users)].email), (unknown, ghost)):
            sent = time.perf_counter()
            body = {"email": email, "password": "not-the-password-42"}
            response = await client.post("/api/v1/auth/login", json=body)
            load.latencies_ms.append((time.perf_counter() - sent) * 1000)
            if response.status_code == 401:
                load.ok += 1
            else:
                load.errors[str(response.status_code)] += 1
    for load in (known, unknown):
        load.seconds = sum(load.latencies_ms) / 1000
    return [known, unknown]


async def me_phase(
    args: argparse.Namespace, servers: dict[str, tuple[int, int]], user: User
) -> dict[str, list[Rate]]:
    """`GET /users/me` on HDuce and on each anchor, interleaved rounds after a warm-up round."""
    use_wrk = wrk_available(args.python_client)
    headers = {"Authorization": f"Bearer {user.access_token}"}
    targets = {
        "GET /users/me (HDuce)": ("hduce", "/api/v1/users/me"),
        **{f"GET {path} ({name})": (name, path) for name, (_, path, _) in ANCHORS.items()},
        # No auth, no query: how much of the gap is the framework and middleware alone.
        "GET /health (HDuce)": ("hduce", "/health"),
    }
    rates: dict[str, list[Rate]] = {}
    for round_index in range(args.rounds + 1):
        for label, (server, path) in targets.items():
            rate = await server_rate(
                servers[server],
                path,
                headers,
                connections=args.me_clients,
                seconds=args.seconds if round_index else args.warmup,
                use_wrk=use_wrk,
            )
            if round_index:  # round 0 warms every server up
                rates.setdefault(label, []).append(rate)
                print(f"round {round_index} {label}: {rate.per_s:.0f} req/s", flush=True)
    return rates


def report(args: argparse.Namespace, measured: Measured) -> None:
    """Print the tables and the summary against the targets."""
    loads, me = measured
    by_label = {load.label: load for load in loads}
    print()
    print_table(
        ["phase", "ok", "per s", "p50 ms", "p99 ms", "errors"], [load.row() for load in loads]
    )
    print()
    rows = [
        [label, *_min_median([r.per_s for r in rates]), *_min_median([r.cpu_us for r in rates])]
        for label, rates in me.items()
    ]
    print_table(["GET", "min req/s", "median req/s", "min µs CPU", "median µs CPU"], rows)
    logins = by_label["POST /auth/login"]
    idle, during = by_label["/health idle"], by_label["/health during logins"]
    idle_p99, busy_p99 = percentile(idle.latencies_ms, 99), percentile(during.latencies_ms, 99)
    print()
    print(f"logins sustained ({args.login_clients} clients)     : {logins.rate:.1f}/s")
    print(f"/health p99 idle / during logins : {idle_p99:.2f} / {busy_p99:.2f} ms")
    hduce = me["GET /users/me (HDuce)"]
    for name, (_, path, target) in ANCHORS.items():
        anchor = me[f"GET {path} ({name})"]
        ratio = median([r.per_s for r in hduce]) / median([r.per_s for r in anchor])
        cpu_ratio = median([r.cpu_us for r in anchor]) / median([r.cpu_us for r in hduce])
        print(
            f"/users/me HDuce ÷ {name:<9} (medians): {ratio:.2f} req/s, {cpu_ratio:.2f} CPU "
            f"(target >= {target}): {verdict(min(ratio, cpu_ratio) >= target)}"
        )
    health = median([r.per_s for r in me["GET /health (HDuce)"]])
    print(f"/health HDuce (no auth, no DB)   : {health:.0f} req/s")
    known, unknown = by_label["failed login, account"], by_label["failed login, unknown"]
    print(
        "failed login p50 account / unknown: "
        f"{percentile(known.latencies_ms, 50):.1f} / {percentile(unknown.latencies_ms, 50):.1f} ms"
    )


def _min_median(values: list[float]) -> tuple[float, float]:
    return min(values), median(values)


def main() -> None:
    """Run the benchmark in a scratch data dir and print the report."""
    args = parse_args()
    exit_on_sigterm()
    with scratch_dir("hduce-bench-auth-", keep=args.keep) as scratch:
        print(f"scratch dir {scratch}; command: {' '.join(serve_command(args.config))}")
        measured = asyncio.run(run_bench(args, scratch))
    report(args, measured)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted")
