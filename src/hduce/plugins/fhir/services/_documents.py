"""`DocumentReference` and `Binary` read and search through the `DocumentShelf` contract."""

from typing import Any

from hduce.contracts.documents import DocumentQuery, DocumentShelf
from hduce.plugins.fhir.schemas import (
    LAST_UPDATED_PARAM,
    PATIENT_PARAM,
    Filters,
    Found,
    Params,
    binary,
    document_reference,
    instants,
    path_id,
    reference_id,
    search_of,
)
from hduce.plugins.fhir.services._caller import Caller

DOCUMENT_PARAMS: Filters = {
    **PATIENT_PARAM,
    "date": instants("When it was stored"),
    **LAST_UPDATED_PARAM,
}


class DocumentResources:
    """Documents for whom the REST API lets read them; file reads audited as downloads."""

    def __init__(self, shelf: DocumentShelf) -> None:
        self._shelf = shelf

    async def read(self, caller: Caller, document_id: str) -> dict[str, Any]:
        """One document's metadata; its attachment URL is the `Binary`."""
        ident = path_id(document_id, "DocumentReference")
        return document_reference(await self._shelf.get(caller.principal, ident), caller.base_url)

    async def search(self, caller: Caller, params: Params) -> Found:
        """Documents newest first by `patient` and `date`: patients see their own.

        `date` is the day a document was stored.
        """
        search = search_of(params, DOCUMENT_PARAMS)
        query = DocumentQuery(
            patient_id=reference_id(params, "patient", "Patient"),
            created_from=search.date_from,
            created_before=search.date_before,
            **search.window(),
        )
        found, total = await self._shelf.page(caller.principal, query)
        resources = [document_reference(view, caller.base_url) for view in found]
        return resources, total, search.page

    async def binary(self, caller: Caller, document_id: str) -> dict[str, Any]:
        """The file (the patient, doctors and nurses; audited as a download).

        A `Binary` with base64 `data`.
        """
        ident = path_id(document_id, "Binary")
        content_type, data = await self._shelf.content(caller.principal, ident)
        return binary(document_id, content_type, data)
