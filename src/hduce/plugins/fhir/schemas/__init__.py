"""FHIR R4 shapes: resources built from contract views, search parameters read, bundles made."""

from typing import Any

from hduce.plugins.fhir.schemas._appointment_changes import check_id, check_unchanged
from hduce.plugins.fhir.schemas._appointments import (
    FROM_FHIR,
    TYPE_SYSTEM,
    appointment,
    booking,
    check_length,
    requested_status,
    validated,
)
from hduce.plugins.fhir.schemas._audit_events import audit_event
from hduce.plugins.fhir.schemas._bundle import count_only, cursor_searchset, searchset
from hduce.plugins.fhir.schemas._capability import capability_statement
from hduce.plugins.fhir.schemas._dates import (
    LAST_UPDATED,
    date_bounds,
    instant_bounds,
    instant_value,
    last_updated,
)
from hduce.plugins.fhir.schemas._devices import device
from hduce.plugins.fhir.schemas._documents import binary, document_reference
from hduce.plugins.fhir.schemas._ids import (
    local_references,
    one_id,
    path_id,
    reference_id,
    reference_ids,
    wanted_ids,
)
from hduce.plugins.fhir.schemas._observations import LOINC, METRIC_OF_CODE, observation
from hduce.plugins.fhir.schemas._paging import CURSOR, Paging, paging
from hduce.plugins.fhir.schemas._params import GENERAL, Search, check_names, search_of
from hduce.plugins.fhir.schemas._people import IDENTIFIER_SYSTEM, patient, practitioner
from hduce.plugins.fhir.schemas._schedules import ROLE_SYSTEM, practitioner_role, schedule, slot
from hduce.plugins.fhir.schemas._search_params import (
    LAST_UPDATED_PARAM,
    PATIENT_PARAM,
    Filters,
    Param,
    codes,
    days,
    instants,
    search_parameters,
    tokens,
    values,
)
from hduce.plugins.fhir.schemas._slot_ids import slot_key
from hduce.plugins.fhir.schemas._values import Params, single
from hduce.plugins.fhir.schemas._versions import entity_tag, if_match

Found = tuple[list[dict[str, Any]], int, Paging]
"""One page of a search: the resources, the total, and which page it is."""

__all__ = [
    "CURSOR",
    "FROM_FHIR",
    "GENERAL",
    "IDENTIFIER_SYSTEM",
    "LAST_UPDATED",
    "LAST_UPDATED_PARAM",
    "LOINC",
    "METRIC_OF_CODE",
    "PATIENT_PARAM",
    "ROLE_SYSTEM",
    "TYPE_SYSTEM",
    "Filters",
    "Found",
    "Paging",
    "Param",
    "Params",
    "Search",
    "appointment",
    "audit_event",
    "binary",
    "booking",
    "capability_statement",
    "check_id",
    "check_length",
    "check_names",
    "check_unchanged",
    "codes",
    "count_only",
    "cursor_searchset",
    "date_bounds",
    "days",
    "device",
    "document_reference",
    "entity_tag",
    "if_match",
    "instant_bounds",
    "instant_value",
    "instants",
    "last_updated",
    "local_references",
    "observation",
    "one_id",
    "paging",
    "path_id",
    "patient",
    "practitioner",
    "practitioner_role",
    "reference_id",
    "reference_ids",
    "requested_status",
    "schedule",
    "search_of",
    "search_parameters",
    "searchset",
    "single",
    "slot",
    "slot_key",
    "tokens",
    "validated",
    "values",
    "wanted_ids",
]
