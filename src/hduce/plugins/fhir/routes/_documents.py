"""`/fhir/R4/DocumentReference` (read, search) and `/fhir/R4/Binary` (a document's file)."""

from hduce.plugins.fhir.routes._interactions import read_route, search_route
from hduce.plugins.fhir.services import enabled

DOCUMENT_ROUTES = (
    search_route(
        "DocumentReference",
        "search_documents",
        "Documents newest first by `patient` and `date`: patients see their own.",
        lambda call: enabled(call.fhir.documents).search(call.principal, call.query, call.base),
    ),
    read_route(
        "/DocumentReference/{document_id:str}",
        "read_document",
        "One document's metadata; its attachment URL is the `Binary`.",
        lambda call, document_id: enabled(call.fhir.documents).read(
            call.principal, document_id, call.base
        ),
    ),
    read_route(
        "/Binary/{document_id:str}",
        "read_binary",
        "The file (the patient, doctors and nurses; audited as a download).",
        lambda call, document_id: enabled(call.fhir.documents).binary(call.principal, document_id),
    ),
)
