"""Notifications benchmark: e-mails/s end to end, `notify` -> received by a real SMTP server.

Runs the notifications plugin in-process (outbox relay + TaskIQ receiver, as `hduce serve`
does) against an embedded PostgreSQL and nats-server under a scratch dir in /tmp, and an
in-loop aiosmtpd server on a free loopback port. Each `notify` goes to a bare address, so each
notification is exactly one e-mail delivery.
Run from the repository root: `.venv/bin/python bench/notifications.py [--emails 500]`.
"""

import argparse
import asyncio
import secrets
import signal
import sys
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from _common import REPO_ROOT, free_port, percentile, print_table, run_with_servers
from hduce.bootstrap import build_context, load_plugins, setup_plugins
from hduce.contracts.notifications import Category, Notifier
from hduce.core import lifecycle
from hduce.core.config import Settings, load_settings
from hduce.core.context import AppContext
from hduce.core.db import open_database
from hduce.core.migrations import apply_migrations
from hduce.piccolo_conf import DB


class Inbox:
    """An aiosmtpd handler noting when each message (by recipient) arrived."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.duplicates = 0
        self.all_in = asyncio.Event()
        self.expected = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Record the arrival time of the message by its recipient's local part."""
        tag = envelope.rcpt_tos[0].split("@", 1)[0]
        if tag in self.arrived:
            self.duplicates += 1
        self.arrived.setdefault(tag, time.perf_counter())
        if len(self.arrived) >= self.expected:
            self.all_in.set()
        return "250 OK"


def parse_args() -> argparse.Namespace:
    """Size flags."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emails", type=int, default=500, help="e-mails to send (default 500)")
    parser.add_argument("--batch", type=int, default=10, help="notify calls per transaction")
    parser.add_argument("--concurrency", type=int, help="worker.concurrency (default: config)")
    parser.add_argument("--timeout", type=float, default=180.0, help="max seconds")
    return parser.parse_args()


def bench_settings(args: argparse.Namespace, dsn: str, nats_url: str, smtp_port: int) -> Settings:
    """The test config with notifications sending to the bench's SMTP server."""
    environ = {
        "DATABASE_URL": dsn,
        "HDUCE_NATS__URL": nats_url,
        "JWT_SECRET": secrets.token_urlsafe(32),
        "SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "SMTP_FROM": "Bench Clinic <bench@clinic.test>",
        "HDUCE_PLUGINS__ENABLED": '["metrics", "audit", "auth", "users", "notifications"]',
    }
    if args.concurrency:
        environ["HDUCE_WORKER__CONCURRENCY"] = str(args.concurrency)
    return load_settings(config_file=str(REPO_ROOT / "config" / "test.toml"), environ=environ)


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[AppContext]:
    """Migrate, then a context with pool, broker, relay and receiver (as `hduce serve`)."""
    DB.configure(settings.database.url)
    async with open_database(DB, settings.database):
        await apply_migrations(quiet=True)
    context = build_context(settings, "web", settings.database.url, settings.nats.url)
    setup_plugins(context, load_plugins(settings))
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(open_database(context.db, settings.database))
        await stack.enter_async_context(lifecycle.running_broker(context))
        await stack.enter_async_context(
            lifecycle.background_services(context, relay=True, receiver=True)
        )
        try:
            yield context
        finally:
            await context.registry.close()


async def send_all(context: AppContext, args: argparse.Namespace) -> dict[str, float]:
    """Notify `--emails` bare addresses in transactions of `--batch`; commit time per tag."""
    notifier = context.registry.get(Notifier)
    committed: dict[str, float] = {}
    for first in range(0, args.emails, args.batch):
        tags = [f"m{n}" for n in range(first, min(first + args.batch, args.emails))]
        async with context.db.transaction():
            for tag in tags:
                await notifier.notify(
                    f"{tag}@bench.test", "test_message", {"text": f"bench {tag}"}, Category.GENERAL
                )
        now = time.perf_counter()
        committed.update(dict.fromkeys(tags, now))
    return committed


async def bench(args: argparse.Namespace, dsn: str, nats_url: str) -> None:
    """Run the SMTP server and the context, send, wait for every e-mail, report."""
    main_task = asyncio.current_task()
    assert main_task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    inbox = Inbox()
    inbox.expected = args.emails
    port = free_port()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(inbox), "127.0.0.1", port)
    try:
        settings = bench_settings(args, dsn, nats_url, port)
        async with running(settings) as context:
            started = time.perf_counter()
            committed = await send_all(context, args)
            published = time.perf_counter() - started
            try:
                async with asyncio.timeout(args.timeout):
                    await inbox.all_in.wait()
            except TimeoutError:
                print(f"only {len(inbox.arrived)}/{args.emails} arrived in {args.timeout} s")
            finished = max(inbox.arrived.values(), default=started) - started
            await asyncio.sleep(1.0)  # late duplicates would show up here
        report(args, settings, inbox, committed, published, finished)
    finally:
        server.close()
        await server.wait_closed()


def report(
    args: argparse.Namespace,
    settings: Settings,
    inbox: Inbox,
    committed: dict[str, float],
    published: float,
    finished: float,
) -> None:
    """Print throughput and latency."""
    latencies = [(inbox.arrived[t] - committed[t]) * 1000 for t in committed if t in inbox.arrived]
    print()
    print(f"{args.emails} e-mails, {args.batch} notify calls per transaction:")
    rows: list[list[Any]] = [
        ["all notify calls committed", published, args.emails / published],
        ["all e-mails received", finished, len(inbox.arrived) / finished if finished else 0],
    ]
    print_table(["stage", "seconds", "e-mails/s"], rows)
    print_table(
        ["commit -> received (ms)", "p50", "p95", "p99", "max"],
        [
            [
                f"n={len(latencies)}",
                percentile(latencies, 50),
                percentile(latencies, 95),
                percentile(latencies, 99),
                max(latencies, default=float("nan")),
            ]
        ],
    )
    print(f"received {len(inbox.arrived)}/{args.emails}, duplicates {inbox.duplicates}")
    print(f"settings: worker.concurrency={settings.worker.concurrency}")


def main() -> None:
    """Start the servers under a scratch dir, run the bench, always stop them."""
    args = parse_args()
    run_with_servers("hduce-bench-notifications-", lambda dsn, nats_url: bench(args, dsn, nats_url))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted")
