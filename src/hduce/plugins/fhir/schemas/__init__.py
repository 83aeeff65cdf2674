"""FHIR R4 shapes: resources built from contract views, search parameters read, bundles made."""

from typing import Any

from hduce.plugins.fhir.schemas._appointment_changes import check_id, check_unchanged
from hduce.plugins.fhir.schemas._appointments import (
    FROM_FHIR,
    TYPE_SYSTEM,
    appointment,
    booking,
    requested_status,
    validated,
)
from hduce.plugins.fhir.schemas._audit_events import audit_event
from hduce.plugins.fhir.schemas._bundle import count_only, cursor_searchset, searchset
from hduce.plugins.fhir.schemas._capability import capability_statement, search_type
from hduce.plugins.fhir.schemas._dates import (
    LAST_UPDATED,
    date_bounds,
    instant_bounds,
    last_updated,
    midnight,
)
from hduce.plugins.fhir.schemas._devices import device
from hduce.plugins.fhir.schemas._documents import binary, document_reference
from hduce.plugins.fhir.schemas._ids import one_id, path_id, reference_id, wanted_ids
from hduce.plugins.fhir.schemas._observations import LOINC, METRIC_OF_CODE, observation
from hduce.plugins.fhir.schemas._paging import CURSOR, Paging, paging
from hduce.plugins.fhir.schemas._params import Search, check_names, search_of, search_parameters
from hduce.plugins.fhir.schemas._people import IDENTIFIER_SYSTEM, patient, practitioner
from hduce.plugins.fhir.schemas._schedules import ROLE_SYSTEM, practitioner_role, schedule, slot
from hduce.plugins.fhir.schemas._slot_ids import slot_key
from hduce.plugins.fhir.schemas._values import Params, any_of, single

Found = tuple[list[dict[str, Any]], int, Paging]
"""One page of a search: the resources, the total, and which page it is."""

__all__ = [
    "CURSOR",
    "FROM_FHIR",
    "IDENTIFIER_SYSTEM",
    "LAST_UPDATED",
    "LOINC",
    "METRIC_OF_CODE",
    "ROLE_SYSTEM",
    "TYPE_SYSTEM",
    "Found",
    "Paging",
    "Params",
    "Search",
    "any_of",
    "appointment",
    "audit_event",
    "binary",
    "booking",
    "capability_statement",
    "check_id",
    "check_names",
    "check_unchanged",
    "count_only",
    "cursor_searchset",
    "date_bounds",
    "device",
    "document_reference",
    "instant_bounds",
    "last_updated",
    "midnight",
    "observation",
    "one_id",
    "paging",
    "path_id",
    "patient",
    "practitioner",
    "practitioner_role",
    "reference_id",
    "requested_status",
    "schedule",
    "search_of",
    "search_parameters",
    "search_type",
    "searchset",
    "single",
    "slot",
    "slot_key",
    "validated",
    "wanted_ids",
]
