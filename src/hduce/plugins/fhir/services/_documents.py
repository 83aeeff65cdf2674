"""`DocumentReference` and `Binary` read and search through the `DocumentShelf` contract."""

from typing import Any

from hduce.contracts.documents import DocumentQuery, DocumentShelf
from hduce.core.security import Principal
from hduce.plugins.fhir.schemas import (
    LAST_UPDATED,
    Found,
    Params,
    binary,
    document_reference,
    path_id,
    reference_id,
    search_of,
)

DOCUMENT_PARAMS = frozenset({"patient", "date", LAST_UPDATED})


class DocumentResources:
    """Documents for whom the REST API lets read them; file reads audited as downloads."""

    def __init__(self, shelf: DocumentShelf) -> None:
        self._shelf = shelf

    async def read(self, principal: Principal, document_id: str, base_url: str) -> dict[str, Any]:
        """One visible document, else 404."""
        view = await self._shelf.get(principal, path_id(document_id, "DocumentReference"))
        return document_reference(view, base_url)

    async def search(self, principal: Principal, params: Params, base_url: str) -> Found:
        """Documents newest first by `patient` and `date` (the day it was stored)."""
        search = search_of(params, DOCUMENT_PARAMS)
        query = DocumentQuery(
            patient_id=reference_id(params, "patient", "Patient"),
            created_from=search.day_from,
            created_before=search.day_before,
            **search.window(),
        )
        found, total = await self._shelf.page(principal, query)
        return [document_reference(view, base_url) for view in found], total, search.page

    async def binary(self, principal: Principal, document_id: str) -> dict[str, Any]:
        """The file as a `Binary` (base64 `data`)."""
        ident = path_id(document_id, "Binary")
        content_type, data = await self._shelf.content(principal, ident)
        return binary(document_id, content_type, data)
