"""`Observation` search over device readings through the `ReadingReader` contract."""

from typing import Any

from hduce.contracts.auth import CLINICAL_ROLES
from hduce.contracts.devices import ReadingQuery, ReadingReader
from hduce.plugins.fhir.errors import BadSearch
from hduce.plugins.fhir.schemas import (
    CURSOR,
    LOINC,
    METRIC_OF_CODE,
    PATIENT_PARAM,
    Filters,
    Param,
    Params,
    check_names,
    instant_bounds,
    instants,
    observation,
    paging,
    reference_id,
    single,
    tokens,
)
from hduce.plugins.fhir.services._caller import Caller

OBSERVATION_PARAMS: Filters = {
    **PATIENT_PARAM,
    "code": Param("token", "The LOINC code: http://loinc.org|<code> or <code>"),
    "date": instants("When it was measured"),
    CURSOR: Param("string", "Where the page starts: the value a `next` link carries"),
}
NO_METRIC = ""
"""What `code=|<code>` asks for: a code without a system, which no LOINC-coded reading has."""


class ObservationService:
    """Readings as `Observation`s: a patient's own, any patient's for doctors and nurses."""

    def __init__(self, readings: ReadingReader) -> None:
        self._readings = readings

    async def search(
        self, caller: Caller, params: Params
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page, newest first, and the cursor of the next (the read is audited)."""
        check_names(params, OBSERVATION_PARAMS)
        start, before = instant_bounds("date", params.get("date", []))
        patient_id = reference_id(params, "patient", "Patient")
        if patient_id is None and caller.principal.has_any_role(*CLINICAL_ROLES):
            raise BadSearch("doctors and nurses name the patient: search parameter `patient`")
        metric = _metric(tokens(params, OBSERVATION_PARAMS, "code", LOINC))
        query = ReadingQuery(
            patient_id=patient_id,
            metric=metric,
            start=start,
            end=before,
            cursor=single(params, CURSOR),
            limit=paging(params).count,
        )
        if metric == NO_METRIC:
            return [], None  # no reading has it: nothing is read
        readings, cursor = await self._readings.page(caller.principal, query)
        return [observation(reading) for reading in readings], cursor


def _metric(codes: list[str] | None) -> str | None:
    """The metric of the LOINC `code` asked for, `NO_METRIC` for a code without a system."""
    if codes is None:
        return None
    if not codes:
        return NO_METRIC
    if codes[0] not in METRIC_OF_CODE:
        raise BadSearch(f"code: one of the LOINC codes {', '.join(sorted(METRIC_OF_CODE))}")
    return METRIC_OF_CODE[codes[0]]
