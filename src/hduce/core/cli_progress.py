"""Progress of long jobs: a rich bar on a terminal, plain lines in logs and pipes."""

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import rich_click as click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

PLAIN_EVERY = 10.0
"""Seconds between the `job: N done` lines of a job whose stderr is no terminal."""


@contextmanager
def progress(description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """Yield `advance(n)`; draw a bar when stderr is a terminal, else plain lines.

    The plain lines: `job: N to do` at the start, `job: N done` every `PLAIN_EVERY` seconds
    (counted when work advances) and at the end.
    """
    if sys.stderr.isatty():
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task(description, total=total)
            yield lambda n=1: bar.advance(task, n)
        click.echo(f"{description}: done", err=True)
        return
    click.echo(f"{description}: {total if total is not None else '?'} to do", err=True)
    done = 0
    told: int | None = None  # the count the last line gave
    last = time.monotonic()

    def advance(n: int = 1) -> None:
        nonlocal done, told, last
        done += n
        if time.monotonic() - last >= PLAIN_EVERY:
            click.echo(f"{description}: {done} done", err=True)
            told, last = done, time.monotonic()

    yield advance
    if told != done:
        click.echo(f"{description}: {done} done", err=True)
