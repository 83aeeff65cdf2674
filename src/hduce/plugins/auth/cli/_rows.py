"""The rows of `hduce import patients`: read, decoded and checked before anything is written."""

import codecs
import csv
import io
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import msgspec

from hduce.core.email_address import check_email
from hduce.core.schemas import check_birth_date
from hduce.core.text_patterns import worded
from hduce.plugins.auth.schemas import Email, Name, Phone, Username, controls_reason

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


FIELDS = msgspec.structs.fields(PatientRow)
# What the API checks beyond a field's type (each raises `ValueError` ending `- at `$.<field>``).
FIELD_CHECKS: dict[str, Callable[[Any], None]] = {
    "email": check_email,
    "date_of_birth": check_birth_date,
}


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
    """Every row checked: every bad field of each, and every e-mail or username seen before."""
    patients, problems, seen = [], [], {}
    header = reader.fieldnames or ()
    _check_header(header)
    for raw in reader:
        line = reader.line_num
        values = {k: v.strip() for k, v in raw.items() if isinstance(v, str) and v.strip()}
        row = _row(values) if None not in raw else [_extra_values(raw[None], len(header))]
        if isinstance(row, PatientRow):
            patient, reasons = Patient(line, row, row.username or made_username(row.email)), []
        else:
            patient, reasons = None, row
        # A bad row's e-mail and username are compared too: fixing its fields keeps the clash.
        keys = (values.get("email"), patient.username if patient else values.get("username"))
        for key in (key.lower() for key in keys if key):
            if key in seen:
                reasons.append(f"{key} appears twice (first on line {seen[key]})")
            seen.setdefault(key, line)
        problems += [f"line {line}: {reason}" for reason in reasons]
        if patient and not reasons:
            patients.append(patient)
    return patients, problems


def _extra_values(extra: list[str], columns: int) -> str:
    """DictReader keeps the values beyond the header in a list under the key None."""
    return f"{columns + len(extra)} values for {columns} columns"


def _row(values: Mapping[str, str]) -> PatientRow | list[str]:
    """The row, or what is wrong with it: every value the API or PostgreSQL refuses."""
    fields, problems = {}, []
    for field in FIELDS:
        if field.name in values:
            try:
                fields[field.name] = _field(field, values[field.name])
            except ValueError as exc:
                problems.append(str(exc))
        elif field.required:
            problems.append(f"`{field.name}`: missing (required)")
    return problems or PatientRow(**fields)


def _field(field: msgspec.structs.FieldInfo, value: str) -> Any:
    """`value` as `field` of a row; `ValueError` saying what is wrong with it, field named."""
    if problem := controls_reason({field.name: value}):
        raise ValueError(problem)
    try:
        checked = msgspec.convert(value, field.type, strict=False)
        if check := FIELD_CHECKS.get(field.name):
            check(checked)
    except ValueError as exc:  # msgspec's ValidationError is one too
        why = worded(str(exc)).removesuffix(f" - at `$.{field.name}`")
        raise ValueError(f"`{field.name}`: {why}") from None
    return checked
