"""`hduce import patients FILE.csv`: bring a clinic's existing patients in, all or nothing."""

import sys
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import NoReturn

import asyncpg
import rich_click as click

from hduce.contracts.auth import Role
from hduce.core.cli import ACTING_ADMIN, EXIT_FAILURE, run_with_plugin
from hduce.core.cli_progress import progress
from hduce.core.errors import HduceError
from hduce.plugins.auth import AuthPlugin
from hduce.plugins.auth.cli import import_group
from hduce.plugins.auth.cli._held_audit import HeldAudit
from hduce.plugins.auth.cli._rows import NOTHING, ImportRefused, Patient, by_line, read_patients
from hduce.plugins.auth.services import AuthServices


def batches(patients: list[Patient], size: int) -> Iterator[list[Patient]]:
    """`patients` in runs of `size`."""
    for start in range(0, len(patients), size):
        yield patients[start : start + size]


async def _clashes(services: AuthServices, patients: list[Patient]) -> list[str]:
    """Rows whose e-mail or username an account already has."""
    accounts = services.directory
    problems = []
    for patient in patients:
        for key in (patient.row.email, patient.username):
            if await accounts.find_account(key):
                problems.append(f"line {patient.line}: an account with {key} already exists")
    return problems


@import_group.command("patients")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row; import nothing.")
@click.option(
    "--invite",
    is_flag=True,
    help="E-mail each patient an invitation to choose a password (link valid 48 h).",
)
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=200, show_default=True)
@click.option(
    "--skip-existing",
    is_flag=True,
    help="Skip (and count) rows whose e-mail an account has: finishes an interrupted import.",
)
@ACTING_ADMIN
@click.pass_context
def import_patients(
    ctx: click.Context,
    file: Path,
    dry_run: bool,
    invite: bool,
    batch_size: int,
    skip_existing: bool,
    acting: str | None,
) -> None:
    """Create a patient account for each row of a CSV file (UTF-8, a header row).

    Columns: email, first_name, last_name (required); username, phone, date_of_birth
    (YYYY-MM-DD). Every row is checked first; any error is reported with its line and nothing
    is imported. Each batch is one transaction. `--skip-existing` skips the rows whose e-mail
    an account already has (a re-run after an interrupted import). Accounts are active with the
    e-mail address taken as verified and no usable password: patients set one with "forgot
    password" or the invitation `--invite` mails (its link works `verification_token_ttl`,
    48 h). The audit log records `--as` as their author.
    """
    try:
        patients, problems = read_patients(file)
    except ImportRefused as refused:
        _refuse(refused)

    async def work(auth: AuthPlugin) -> tuple[int, int]:
        services = auth.services
        todo = [p for p in patients if not (skip_existing and await _exists(services, p))]
        # Both lists at once: an operator fixing the file's problems learns of the clashes too.
        if found := by_line(problems + await _clashes(services, todo)):
            raise ImportRefused(found)
        admin = await services.admin.acting_admin(acting)
        skipped = len(patients) - len(todo)
        if dry_run:
            return len(todo), skipped
        audit = HeldAudit(services.env.audit_log)
        batch_services = AuthServices.sharing(replace(services.env, audit_log=audit))
        done = 0
        with progress("import patients", len(todo)) as advance:
            for batch in batches(todo, batch_size):
                try:
                    async with auth.env.db.transaction():
                        for patient in batch:
                            await _create(batch_services, patient, admin.id, invite=invite)
                            advance(1)
                        await audit.release()  # the chain's head is held from here to commit
                except ImportRefused as refused:
                    raise ImportRefused(refused.problems, _interrupted(done)) from None
                done += len(batch)
        return done, skipped

    try:
        count, skipped = run_with_plugin(ctx, "auth", work)
    except ImportRefused as refused:
        _refuse(refused)
    there = f" ({skipped} already there, skipped)" if skip_existing else ""
    if dry_run:
        click.echo(f"{count} patients would be imported{there} (dry run: nothing written)")
    else:
        invited = " and invited" if invite else ""
        click.echo(f"imported{invited} {count} patients from {file}{there}")


async def _exists(services: AuthServices, patient: Patient) -> bool:
    return await services.directory.find_account(patient.row.email) is not None


def _interrupted(done: int) -> str:
    """What an import stopped in a later batch left behind, and how to finish it."""
    if not done:
        return NOTHING
    return (
        f"{done} patients of earlier batches were imported: fix the line and run again "
        "with --skip-existing"
    )


async def _create(
    services: AuthServices, patient: Patient, admin: uuid.UUID, *, invite: bool
) -> None:
    """Create the patient's account (audited as made by `admin`); raise `ImportRefused` if not."""
    row = patient.row
    try:
        entry = await services.registration.create_account(
            email=row.email,
            username=patient.username,
            password=None,  # the patient sets their own (invitation, "forgot password")
            roles=[Role.PATIENT],
            first_name=row.first_name,
            last_name=row.last_name,
            phone=row.phone,
            date_of_birth=row.date_of_birth,
            by=admin,
        )
        if invite:
            await services.admin.invite(entry.id, by=admin)
    # Raised inside the batch's transaction: the whole batch is rolled back.
    except HduceError as exc:
        reason = exc.detail
    except asyncpg.PostgresError as exc:
        reason = f"the database refused this row ({str(exc).splitlines()[0]})"
    else:
        return
    raise ImportRefused([f"line {patient.line}: {reason} (this batch not imported)"])


def _refuse(refused: ImportRefused) -> NoReturn:
    for problem in refused.problems:
        click.echo(problem, err=True)
    rows = refused.rows
    what = "1 row cannot" if rows == 1 else f"{rows} rows cannot"
    click.echo(f"hduce: {what} be imported; {refused.outcome}", err=True)
    sys.exit(EXIT_FAILURE)
