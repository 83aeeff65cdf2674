"""`DocumentReference` and `Binary` resources through the `DocumentShelf` contract."""

import base64
import uuid
from typing import Any

from hduce.contracts.documents import DocumentShelf, DocumentView
from hduce.core.errors import NotFound
from hduce.core.registry import Registry
from hduce.core.security import Principal
from hduce.plugins.fhir.params import (
    LAST_UPDATED,
    Paging,
    Params,
    check_names,
    date_bounds,
    last_updated,
    midnight,
    paging,
    reference_id,
)

DOCUMENT_PARAMS = frozenset({"patient", "date", LAST_UPDATED})
KIND_SYSTEM = "urn:hduce:document-kind"


def document_reference(view: DocumentView, base_url: str) -> dict[str, Any]:
    """A current `DocumentReference` whose attachment points at the document's `Binary`."""
    attachment: dict[str, Any] = {
        "contentType": view.content_type,
        "url": f"{base_url}/Binary/{view.id}",
        "size": view.size,
        "title": view.filename or view.title,
        "creation": view.created_at.isoformat(),
    }
    return {
        "resourceType": "DocumentReference",
        "id": str(view.id),
        "meta": {"lastUpdated": view.updated_at.isoformat()},
        "status": "current",
        "type": {"coding": [{"system": KIND_SYSTEM, "code": view.kind}], "text": view.kind},
        "subject": {"reference": f"Patient/{view.patient_id}"},
        "date": view.created_at.isoformat(),
        "description": view.title,
        "content": [{"attachment": attachment}],
    }


class DocumentResources:
    """Documents for whom the REST API lets read them; file reads audited as downloads."""

    def __init__(self, registry: Registry) -> None:
        self._registry = registry

    @property
    def _shelf(self) -> DocumentShelf:
        return self._registry.get(DocumentShelf)

    async def read(self, principal: Principal, document_id: str, base_url: str) -> dict[str, Any]:
        """One visible document, else 404."""
        view = await self._shelf.get(principal, _id(document_id))
        return document_reference(view, base_url)

    async def search(
        self, principal: Principal, params: Params, base_url: str
    ) -> tuple[list[dict[str, Any]], int, Paging]:
        """Documents newest first by `patient` and `date` (the day it was stored)."""
        check_names(params, DOCUMENT_PARAMS)
        page = paging(params)
        start, before = date_bounds("date", params.get("date", []))
        updated_from, updated_before = last_updated(params)
        found, total = await self._shelf.page(
            principal,
            patient_id=reference_id(params, "patient", "Patient"),
            created_from=midnight(start),
            created_before=midnight(before),
            updated_from=updated_from,
            updated_before=updated_before,
            limit=page.count,
            offset=page.offset,
        )
        return [document_reference(view, base_url) for view in found], total, page

    async def binary(self, principal: Principal, document_id: str) -> dict[str, Any]:
        """The file as a `Binary` (base64 `data`)."""
        content_type, data = await self._shelf.content(principal, _id(document_id))
        return {
            "resourceType": "Binary",
            "id": document_id,
            "contentType": content_type,
            "data": base64.b64encode(data).decode(),
        }


def _id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise NotFound("no such document") from None
