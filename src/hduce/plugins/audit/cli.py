"""`hduce audit verify`: walk the audit log's hash chain from the command line."""

import sys

import rich_click as click

from hduce.core.cli import EXIT_FAILURE, fail, run_with_database


@click.group("audit")
def audit_group() -> None:
    """Inspect the audit log."""


@audit_group.command("verify")
@click.pass_context
def audit_verify(ctx: click.Context) -> None:
    """Walk the audit log's hash chain; exit 1 and name the first broken link if there is one."""
    import asyncpg

    from hduce.plugins.audit.services import verify_chain
    from hduce.plugins.audit.store import AuditStore

    try:
        report = run_with_database(ctx, lambda db: verify_chain(AuditStore(db)))
    except asyncpg.UndefinedTableError:
        fail("the database has no audit log: run `hduce migrate` first")
    click.echo(report.summary())
    if not report.ok:
        sys.exit(EXIT_FAILURE)
