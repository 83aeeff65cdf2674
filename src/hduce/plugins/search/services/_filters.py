"""Parsing `facets=`, `entity=`, `date_from=`, `date_to=` and `patient_id=` of a search."""

import uuid
from datetime import date

from hduce.contracts.auth import STAFF_ROLES
from hduce.core.security import Principal
from hduce.plugins.search.errors import InvalidSearch, SearchForbidden
from hduce.plugins.search.services.backends.base import FACETS, Filters


def facet_names(facets: str | None) -> tuple[str, ...]:
    """The facets asked for, each known (`kind,date` → ("kind", "date"))."""
    wanted = tuple(dict.fromkeys(f.strip() for f in (facets or "").split(",") if f.strip()))
    unknown = [f for f in wanted if f not in FACETS]
    if unknown:
        raise InvalidSearch(f"facets: unknown {', '.join(unknown)}; known: {', '.join(FACETS)}")
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
    start, end = _day("date_from", date_from), _day("date_to", date_to)
    if start and end and start > end:
        raise InvalidSearch("date_to: not before date_from")
    patient = _patient(patient_id)
    if patient and patient != principal.id and principal.roles.isdisjoint(STAFF_ROLES):
        raise SearchForbidden("patient_id: only staff search another patient's entries")
    return Filters(entities=keys, date_from=start, date_to=end, patient_id=patient)


def _entity(key: str) -> str:
    kind, _, value = key.strip().lower().partition(":")
    if not kind or not value.strip():
        raise InvalidSearch(f"entity: `kind:value` such as medication:metformin, not {key!r}")
    return f"{kind}:{value.strip()}"


def _day(name: str, text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidSearch(f"{name}: a date such as 2026-01-31, not {text!r}") from None


def _patient(text: str | None) -> uuid.UUID | None:
    if not text:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        raise InvalidSearch(f"patient_id: a UUID, not {text!r}") from None
