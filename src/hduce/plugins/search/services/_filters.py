"""Parsing `facets=`, `entity=`, `date_from=`, `date_to=` and `patient_id=` of a search."""

import uuid
from collections.abc import Callable
from datetime import date
from typing import TypeVar

from hduce.contracts.auth import STAFF_ROLES
from hduce.core.security import Principal
from hduce.plugins.search.errors import InvalidSearch, SearchForbidden
from hduce.plugins.search.services.backends.base import FACETS, Filters

T = TypeVar("T")
_A_DATE = "a date such as 2026-01-31"


def facet_names(facets: str | None) -> tuple[str, ...]:
    """The facets asked for, each known (`kind,date` → ("kind", "date"))."""
    wanted = tuple(dict.fromkeys(f.strip() for f in (facets or "").split(",") if f.strip()))
    unknown = [f for f in wanted if f not in FACETS]
    if unknown:
        raise InvalidSearch.naming(
            "facets", f"unknown {', '.join(unknown)}; known: {', '.join(FACETS)}"
        )
    return wanted


def filters(
    principal: Principal,
    *,
    entity: str | None,
    date_from: str | None,
    date_to: str | None,
    patient_id: str | None,
) -> Filters:
    """The filters of one search; `patient_id` is for staff (a patient sees only their own)."""
    keys = tuple(_entity(key) for key in (entity or "").split(",") if key.strip())
    start = _parsed("date_from", date_from, date.fromisoformat, _A_DATE)
    end = _parsed("date_to", date_to, date.fromisoformat, _A_DATE)
    if start and end and start > end:
        raise InvalidSearch.naming("date_to", "not before date_from")
    patient = _parsed("patient_id", patient_id, uuid.UUID, "a UUID")
    if patient and patient != principal.id and principal.roles.isdisjoint(STAFF_ROLES):
        raise SearchForbidden("patient_id: only staff search another patient's entries")
    return Filters(entities=keys, date_from=start, date_to=end, patient_id=patient)


def _entity(key: str) -> str:
    kind, _, value = key.strip().lower().partition(":")
    if not kind or not value.strip():
        raise InvalidSearch.naming(
            "entity", f"`kind:value` such as medication:metformin, not {key!r}"
        )
    return f"{kind}:{value.strip()}"


def _parsed(name: str, text: str | None, parse: Callable[[str], T], what: str) -> T | None:
    """`text` parsed, None when blank; 422 naming the parameter and `what` it should be."""
    if not text:
        return None
    try:
        return parse(text)
    except ValueError:
        raise InvalidSearch.naming(name, f"{what}, not {text!r}") from None
