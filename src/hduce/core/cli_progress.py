"""Progress of long jobs: a rich bar on a terminal, plain lines in logs and pipes."""

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import rich_click as click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn


@contextmanager
def progress(description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """Yield `advance(n)`; draw a bar when stderr is a terminal, else one line at start and end."""
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

    def advance(n: int = 1) -> None:
        nonlocal done
        done += n

    yield advance
    click.echo(f"{description}: {done} done", err=True)
