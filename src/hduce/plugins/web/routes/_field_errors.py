"""Refusals in words: a field's rule instead of the validator's message (regex, `$.path`)."""

import re
from collections.abc import Callable
from typing import Any

from hduce.core.errors import FieldError, HduceError
from hduce.core.text_patterns import WORDS
from hduce.plugins.web.errors import BadInput

AT_FIELD = re.compile(r" - at `\$\.([A-Za-z_]+)")
"""Where msgspec's messages name the field they refuse."""
VALIDATORS = ("Expected ", "Object missing required field", "Invalid enum value")
LONGEST = re.compile(r"Expected `str` of length <= ([0-9]+)$")
"""msgspec's refusal of a text over its field's limit (the limit said in words)."""
"""How msgspec's own messages start (as opposed to a check's words)."""
PHONE = (
    "Phone numbers have 7-15 digits, with an optional leading + and spaces, dots, dashes or"
    " brackets."
)
RULES = {
    "username": (
        "Usernames are 3-64 letters, digits, '.', '_' or '-', starting with a letter or digit."
    ),
    "email": "E-mail addresses look like name@example.com.",
    "login": "Give your e-mail address or username.",
    "password": "Give a password of up to 256 characters.",
    "first_name": "Give a first name (up to 100 characters).",
    "last_name": "Give a last name (up to 100 characters).",
    "phone": PHONE,
    "emergency_contact_phone": PHONE,
    "emergency_contact_name": "The emergency contact's name is up to 200 characters.",
    "address": "The address is up to 500 characters.",
    "timezone": "Give a time zone like Europe/Paris.",
    "duration_minutes": "A visit lasts 5 to 480 minutes.",
    "notes": "Notes are up to 10,000 characters.",
}
EXPLAINED = frozenset({"email"})
"""Fields whose check says what is wrong, shown followed by the field's rule (what is right)."""
NAMES = {
    "from_date": "the first day",
    "to_date": "the last day",
    "date_of_birth": "the date of birth",
    "duration_minutes": "the length",
    "starts_at": "the start",
    "on_date": "the date",
    "weekly_hours": "the weekly hours",
    "practitioner_ids": "the practitioners",
}
"""Fields the API's own rules name, in the words of the forms."""
NAMED = re.compile(r"\b(" + "|".join(NAMES) + r")\b")


def in_words(status: int, detail: str) -> str:
    """An error's `detail`; for a form field msgspec refused (422), that field's rule in words."""
    found = AT_FIELD.search(detail) if status == 422 else None
    if found is None:
        return _named(detail)
    said, field = detail[: found.start()], found[1]
    # msgspec's own refusals (a pattern's words among them) give way to the form's rule
    if not said.startswith(VALIDATORS) and said not in WORDS.values():
        words = _named(said)  # a rule's own words, e.g. "unknown time zone 'Mars/Base'"
        return f"{words[0].upper()}{words[1:]}. {RULES[field]}" if field in EXPLAINED else words
    named = NAMES.get(field, f"the {field.replace('_', ' ')}")
    named = f"{named[0].upper()}{named[1:]}"
    longest = LONGEST.match(said)
    if field in RULES or longest is None:
        return RULES.get(field, f"{named} is not valid.")
    return f"{named} is up to {int(longest[1]):,} characters."


def _named(said: str) -> str:
    """`said` with the fields it names in words ("to_date" is "the last day")."""
    return NAMED.sub(lambda found: NAMES[found[1]], said)


def field_reasons(exc: HduceError) -> dict[str, str]:
    """The form fields a refusal names, each with why in words.

    The fields: msgspec's `$.field` and the field errors' keys; why: the refusal's detail for
    a field alone, else each field error's message. msgspec stops at a body's first invalid
    field: an API refusal names one field at most; the web's own checks of several fields
    (`each_field`) name every field they refuse.
    """
    found = AT_FIELD.findall(exc.detail) if exc.status_code == 422 else []
    said = {e.key: e.message for e in exc.extra.get("errors", ()) if isinstance(e, FieldError)}
    names = list(dict.fromkeys([*found, *filter(None, said)]))
    whole = in_words(exc.status_code, exc.detail)
    if len(names) < 2:
        return dict.fromkeys(names, whole)
    return {name: _own_words(name, said.get(name), whole) for name in names}


def _own_words(name: str, message: str | None, whole: str) -> str:
    """A field's reason as a sentence: its rule for a validator's message (`in_words`)."""
    if message is None:
        return whole
    words = in_words(422, f"{message} - at `$.{name}`")
    return f"{words[0].upper()}{words[1:]}"


def each_field(**checks: Callable[[], Any]) -> tuple[Any, ...]:
    """Every form field's check run, by field name: their values in order, or one 422.

    The 422 names each field refused: a form refused on two fields marks both, each with its
    reason (not the first alone).
    """
    values, refusals = [], []
    for name, check in checks.items():
        try:
            values.append(check())
        except HduceError as exc:
            refusals.append(FieldError(message=exc.detail, key=name, source="body"))
    if refusals:
        raise BadInput("; ".join(refusal.message for refusal in refusals), errors=refusals)
    return tuple(values)
