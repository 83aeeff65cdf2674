"""`DocumentReference` and `Binary` resources from the documents plugin's views."""

import base64
from typing import Any

from hduce.contracts.documents import LOINC_DOCUMENT_TYPES, DocumentView
from hduce.plugins.fhir.schemas._observations import LOINC
from hduce.plugins.fhir.schemas._versions import meta

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
        "meta": meta(view.updated_at),
        "status": "current",
        "type": _document_type(view),
        "subject": {"reference": f"Patient/{view.patient_id}"},
        "date": view.created_at.isoformat(),
        "description": view.title,
        "content": [{"attachment": attachment}],
    }


def _document_type(view: DocumentView) -> dict[str, Any]:
    """The document's kind, coded in LOINC's document types too when it has one."""
    coding = [{"system": KIND_SYSTEM, "code": view.kind}]
    loinc = LOINC_DOCUMENT_TYPES.get(view.kind)
    if loinc is not None:
        coding.append({"system": LOINC, "code": loinc[0], "display": loinc[1]})
    return {"coding": coding, "text": view.kind}


def binary(document_id: str, content_type: str, data: bytes) -> dict[str, Any]:
    """A document's file as a `Binary` (base64 `data`)."""
    return {
        "resourceType": "Binary",
        "id": document_id,
        "contentType": content_type,
        "data": base64.b64encode(data).decode(),
    }
