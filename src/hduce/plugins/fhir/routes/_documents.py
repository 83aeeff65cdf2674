"""`/fhir/R4/DocumentReference` (read, search) and `/fhir/R4/Binary` (a document's file)."""

from hduce.plugins.fhir.routes._interactions import FhirCall, Found, Resource, read, search
from hduce.plugins.fhir.services import enabled


@search("DocumentReference")
async def search_documents(call: FhirCall) -> Found:
    """Documents newest first by `patient` and `date`: patients see their own."""
    return await enabled(call.fhir.documents).search(call.principal, call.query, call.base)


@read("/DocumentReference/{document_id:str}")
async def read_document(call: FhirCall, document_id: str) -> Resource:
    """One document's metadata; its attachment URL is the `Binary`."""
    return await enabled(call.fhir.documents).read(call.principal, document_id, call.base)


@read("/Binary/{document_id:str}")
async def read_binary(call: FhirCall, document_id: str) -> Resource:
    """The file (the patient, doctors and nurses; audited as a download)."""
    return await enabled(call.fhir.documents).binary(call.principal, document_id)


DOCUMENT_ROUTES = (search_documents, read_document, read_binary)
