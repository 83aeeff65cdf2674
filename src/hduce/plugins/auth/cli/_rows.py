"""The rows of `hduce import patients`: read, decoded and checked before anything is written."""

import codecs
import csv
import io
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import msgspec

from hduce.core.email_address import check_email
from hduce.core.schemas import check_birth_date
from hduce.plugins.auth.schemas import Email, Name, Phone, Username, controls_reason, field_reason

REQUIRED = ("email", "first_name", "last_name")
OPTIONAL = ("username", "phone", "date_of_birth")
NOTHING = "nothing was imported"
LINE = re.compile(r"^line (\d+):")


class PatientRow(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """One CSV row, checked with the API's own field types (what the database accepts)."""

    email: Email
    first_name: Name
    last_name: Name
    username: Username | None = None
    phone: Phone | None = None
    date_of_birth: date | None = None

    def __post_init__(self) -> None:
        check_email(self.email)
        check_birth_date(self.date_of_birth)


def made_username(email: str) -> str:
    """A username from the e-mail's local part and a random suffix (not computable from it)."""
    local = re.sub(r"[^A-Za-z0-9_.-]", "", email.split("@")[0]).lstrip("_.-")
    return f"{(local or 'patient')[:50]}-{secrets.token_hex(3)}"


@dataclass(frozen=True)
class Patient:
    """A valid row, the line of the file it came from and its username (given or made)."""

    line: int
    row: PatientRow
    username: str


class ImportRefused(Exception):
    """Rows that cannot be imported, one `line N: reason` each, and what was imported."""

    def __init__(self, problems: list[str], outcome: str = NOTHING) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
        self.outcome = outcome

    @property
    def rows(self) -> int:
        """How many lines have a problem (a line may have several)."""
        return len({match[1] for p in self.problems if (match := LINE.match(p))}) or 1


def by_line(problems: list[str]) -> list[str]:
    """`line N: …` problems ordered by N (those of one line keep their order)."""
    return sorted(problems, key=lambda p: int(match[1]) if (match := LINE.match(p)) else 0)


def read_patients(path: Path) -> tuple[list[Patient], list[str]]:
    """The valid rows of the file and what is wrong with the others (`line N: reason` each).

    `ImportRefused` when the file as a whole cannot be read: not UTF-8, not CSV, a bad header.
    """
    data = path.read_bytes().removeprefix(codecs.BOM_UTF8)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ImportRefused([f"line {line}: not UTF-8 text; save the file as CSV UTF-8"]) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        return _checked_rows(reader)
    except csv.Error as exc:
        raise ImportRefused([f"line {reader.line_num}: not valid CSV ({exc})"]) from None


def _check_header(header: Sequence[str]) -> None:
    """Refuse unknown, missing and repeated columns (a repeated one hides all but its last)."""
    unknown = sorted(set(header) - set(REQUIRED) - set(OPTIONAL))
    missing = [name for name in REQUIRED if name not in header]
    if unknown or missing:
        what = f"unknown columns {unknown}" if unknown else f"missing columns {missing}"
        raise ImportRefused([f"line 1: {what}; columns: {', '.join(REQUIRED + OPTIONAL)}"])
    if twice := next((name for name in header if header.count(name) > 1), None):
        raise ImportRefused([f"line 1: column `{twice}` appears twice"])


def _checked_rows(reader: "csv.DictReader[str]") -> tuple[list[Patient], list[str]]:
    patients, problems, seen = [], [], {}
    header = reader.fieldnames or ()
    _check_header(header)
    for raw in reader:
        line = reader.line_num
        row = _row(raw, len(header))
        if isinstance(row, str):
            problems.append(f"line {line}: {row}")
            continue
        patient = Patient(line, row, row.username or made_username(row.email))
        twice = False
        for key in (row.email.lower(), patient.username.lower()):
            if key in seen:
                problems.append(f"line {line}: {key} appears twice (first on line {seen[key]})")
                twice = True
            seen.setdefault(key, line)
        if not twice:
            patients.append(patient)
    return patients, problems


def _row(raw: Mapping[str | None, Any], columns: int) -> PatientRow | str:
    """The row, or what is wrong with it: extra values, a value the API or PostgreSQL refuses."""
    if None in raw:  # DictReader keeps the values beyond the header under None
        return f"{columns + len(raw[None])} values for {columns} columns"
    values = {k: v.strip() for k, v in raw.items() if v and v.strip()}
    if problem := controls_reason(values):
        return problem
    try:
        return msgspec.convert(values, PatientRow, strict=False)
    except msgspec.ValidationError as exc:
        return field_reason(exc)
