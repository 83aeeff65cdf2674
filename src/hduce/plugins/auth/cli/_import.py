"""`hduce import patients FILE.csv`: bring a clinic's existing patients in, all or nothing."""

import csv
import hashlib
import re
import secrets
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import NoReturn

import msgspec
import rich_click as click

from hduce.contracts.auth import Role
from hduce.core.cli import ACTING_ADMIN, EXIT_FAILURE, run_with_plugin
from hduce.core.cli_progress import progress
from hduce.core.errors import HduceError
from hduce.plugins.auth import AuthPlugin
from hduce.plugins.auth.schemas import Email, Name, Username
from hduce.plugins.auth.services import AuthServices

REQUIRED = ("email", "first_name", "last_name")
OPTIONAL = ("username", "phone", "date_of_birth")


class PatientRow(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """One CSV row: the columns `hduce import patients` reads."""

    email: Email
    first_name: Name
    last_name: Name
    username: Username | None = None
    phone: str | None = None
    date_of_birth: date | None = None


@dataclass(frozen=True)
class Patient:
    """A valid row and the line of the file it came from."""

    line: int
    row: PatientRow

    @property
    def username(self) -> str:
        """The given username, else one made from the e-mail address (stable, unique)."""
        if self.row.username:
            return self.row.username
        local = re.sub(r"[^A-Za-z0-9_.-]", "", self.row.email.split("@")[0]).lstrip("_.-")
        digest = hashlib.sha256(self.row.email.lower().encode()).hexdigest()[:6]
        return f"{(local or 'patient')[:50]}-{digest}"


NOTHING = "nothing was imported"


class ImportRefused(Exception):
    """Rows that cannot be imported, one `line N: reason` each, and what was imported."""

    def __init__(self, problems: list[str], outcome: str = NOTHING) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
        self.outcome = outcome


def read_patients(path: Path) -> list[Patient]:
    """Every row of the file, checked; `ImportRefused` lists every bad one."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        try:
            return _checked_rows(reader)
        except UnicodeDecodeError:
            line = reader.line_num + 1
            raise ImportRefused(
                [f"line {line}: not UTF-8 text; save the file as CSV UTF-8"]
            ) from None
        except csv.Error as exc:
            raise ImportRefused([f"line {reader.line_num}: not valid CSV ({exc})"]) from None


def _checked_rows(reader: "csv.DictReader[str]") -> list[Patient]:
    patients, problems, seen = [], [], {}
    columns = set(reader.fieldnames or ())
    unknown = sorted(columns - set(REQUIRED) - set(OPTIONAL))
    missing = [name for name in REQUIRED if name not in columns]
    if unknown or missing:
        what = f"unknown columns {unknown}" if unknown else f"missing columns {missing}"
        raise ImportRefused([f"line 1: {what}; columns: {', '.join(REQUIRED + OPTIONAL)}"])
    for raw in reader:
        line = reader.line_num
        values = {k: v.strip() for k, v in raw.items() if k and v and v.strip()}
        try:
            patient = Patient(line, msgspec.convert(values, PatientRow, strict=False))
        except msgspec.ValidationError as exc:
            problems.append(f"line {line}: {_reason(exc)}")
            continue
        for key in (patient.row.email.lower(), patient.username.lower()):
            if key in seen:
                problems.append(f"line {line}: {key} appears twice (first on line {seen[key]})")
            seen.setdefault(key, line)
        patients.append(patient)
    if problems:
        raise ImportRefused(problems)
    return patients


def _reason(error: msgspec.ValidationError) -> str:
    """A msgspec error with the column named first (`$.email` → `email`)."""
    message = str(error)
    if match := re.search(r" - at `\$\.(\w+)`$", message):
        return f"`{match[1]}`: {message[: match.start()]}"
    return message


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


@click.group("import")
def import_group() -> None:
    """Bring existing records in."""


@import_group.command("patients")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row; import nothing.")
@click.option("--invite", is_flag=True, help="E-mail each patient a link to choose a password.")
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=200, show_default=True)
@ACTING_ADMIN
@click.pass_context
def import_patients(
    ctx: click.Context,
    file: Path,
    dry_run: bool,
    invite: bool,
    batch_size: int,
    acting: str | None,
) -> None:
    """Create a patient account for each row of a CSV file (UTF-8, a header row).

    Columns: email, first_name, last_name (required); username, phone, date_of_birth
    (YYYY-MM-DD). Every row is checked first; any error is reported with its line and nothing
    is imported. Each batch is one transaction. Accounts are active with the e-mail address
    taken as verified and no usable password: patients set one with "forgot password" or the
    link `--invite` sends.
    """
    try:
        patients = read_patients(file)
    except ImportRefused as refused:
        _refuse(refused)

    async def work(auth: AuthPlugin) -> int:
        services = auth.services
        if problems := await _clashes(services, patients):
            raise ImportRefused(problems)
        if dry_run:
            return 0
        admin = await services.admin.acting_admin(acting) if invite else None
        done = 0
        with progress("import patients", len(patients)) as advance:
            for batch in batches(patients, batch_size):
                try:
                    async with auth.env.db.transaction():
                        for patient in batch:
                            await _create(services, patient, admin.id if admin else None)
                            advance(1)
                except ImportRefused as refused:
                    kept = f"{done} patients of earlier batches were imported" if done else ""
                    raise ImportRefused(refused.problems, kept or NOTHING) from None
                done += len(batch)
        return done

    try:
        imported = run_with_plugin(ctx, "auth", work)
    except ImportRefused as refused:
        _refuse(refused)
    if dry_run:
        click.echo(f"{len(patients)} patients would be imported (dry run: nothing written)")
    else:
        invited = " and invited" if invite else ""
        click.echo(f"imported{invited} {imported} patients from {file}")


async def _create(services: AuthServices, patient: Patient, invited_by: uuid.UUID | None) -> None:
    row = patient.row
    try:
        entry = await services.registration.create_account(
            email=row.email,
            username=patient.username,
            password=secrets.token_urlsafe(32),  # nobody knows it: the patient sets their own
            roles=[Role.PATIENT],
            first_name=row.first_name,
            last_name=row.last_name,
            phone=row.phone,
            date_of_birth=row.date_of_birth,
        )
        if invited_by is not None:
            await services.admin.force_password_reset(entry.id, by=invited_by)
    except HduceError as exc:
        # Raised inside the batch's transaction: the whole batch is rolled back.
        raise ImportRefused(
            [f"line {patient.line}: {exc.detail} (this batch not imported)"]
        ) from None


def _refuse(refused: ImportRefused) -> NoReturn:
    for problem in refused.problems:
        click.echo(problem, err=True)
    count = len(refused.problems)
    click.echo(f"hduce: {count} rows cannot be imported; {refused.outcome}", err=True)
    sys.exit(EXIT_FAILURE)
