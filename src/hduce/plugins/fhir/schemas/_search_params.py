"""Search parameters declared once: what the search code reads and the statement documents.

Each resource's search declares its parameters here (type, what it matches, whether commas OR
its values); its search reads values through `values` and `codes`, and the
`CapabilityStatement` and OpenAPI document describe the same declarations.
"""

from collections.abc import Collection, Mapping

import msgspec

from hduce.plugins.fhir.errors import BadSearch
from hduce.plugins.fhir.schemas._dates import LAST_UPDATED
from hduce.plugins.fhir.schemas._paging import CURSOR, DEFAULT_COUNT, MAX_COUNT
from hduce.plugins.fhir.schemas._values import Params, any_of, several

ORED = "Several values, separated by commas, are ORed (a comma inside a value is written \\,)."
ONE = "Comma-separated values (an OR) are refused: one value each time it is given."


class Param(msgspec.Struct, frozen=True):
    """One search parameter: its FHIR type, what it matches, whether commas OR its values."""

    type: str
    matches: str
    ored: bool = False

    @property
    def documentation(self) -> str:
        """What it matches and whether it takes several values, for the statement and OpenAPI."""
        return f"{self.matches}. {ORED if self.ored else ONE}"


Filters = Mapping[str, Param]
"""A search's parameters besides its paging, by name."""

_PREFIXES = "with the prefixes eq, ge, gt, le, lt, repeated to AND them"


def days(what: str) -> Param:
    """A `date` parameter over days: `what` it matches, as YYYY, YYYY-MM or YYYY-MM-DD."""
    return Param("date", f"{what}: YYYY, YYYY-MM or YYYY-MM-DD {_PREFIXES}")


def instants(what: str) -> Param:
    """A `date` parameter over instants: `what` it matches, as dates or date-times."""
    return Param("date", f"{what}: dates or instants (no offset: UTC) {_PREFIXES}")


LAST_UPDATED_PARAM = {LAST_UPDATED: instants("When the resource last changed")}
PATIENT_PARAM = {"patient": Param("reference", "The patient: Patient/<id> or <id>")}
_COUNT = f"Entries a page holds: 1 to {MAX_COUNT} (default {DEFAULT_COUNT})"
_OFFSET_PAGING = {
    "_count": Param("number", f"{_COUNT}; 0: the total only, as _summary=count"),
    "_offset": Param("number", "How many matches precede the page"),
}
_CURSOR_PAGING = {"_count": Param("number", _COUNT)}
"""The paging of a type that pages by cursor (its `_cursor` is one of its filters)."""


def search_parameters(filters: Filters) -> dict[str, Param]:
    """Every parameter a search with `filters` takes: those and its paging's."""
    return {**filters, **(_CURSOR_PAGING if CURSOR in filters else _OFFSET_PAGING)}


def values(params: Params, filters: Filters, name: str) -> list[str] | None:
    """The values of `name`, or None: several (ORed) where `filters` declares so, else one."""
    given = any_of(params, name)
    if given is not None and len(given) > 1 and not filters[name].ored:
        raise several(name)
    return given


def tokens(
    params: Params, filters: Filters, name: str, system: str | None = None
) -> list[str] | None:
    """The codes of `name` (see `values`): `code` or `system|code`; 400 for another system.

    `|code` asks for a code without a system, which no code of `system` is: it is left out
    (all left out: an empty list, a filter that matches nothing).
    """
    given = values(params, filters, name)
    if given is None or system is None:
        return given
    found = []
    for text in given:
        named, bar, code = text.rpartition("|")
        if bar and not named:
            continue
        if named not in {"", system}:
            raise BadSearch(f"{name}: codes of the system {system}")
        found.append(code)
    return found


def codes(
    params: Params,
    filters: Filters,
    name: str,
    allowed: Collection[str],
    system: str | None = None,
) -> frozenset[str] | None:
    """The codes `name` asks for (see `tokens`), or None; 400 naming one not in `allowed`."""
    given = tokens(params, filters, name, system)
    for code in given or ():
        if code not in allowed:
            listed = ", ".join(sorted(allowed))
            more = "; several separated by commas" if filters[name].ored else ""
            raise BadSearch(f"{name}: {code!r} is not one of {listed}{more}")
    return None if given is None else frozenset(given)
