"""`/fhir/R4/DocumentReference` (read, search) and `/fhir/R4/Binary` (a document's file)."""

from hduce.plugins.fhir.routes._interactions import read_route, search_route
from hduce.plugins.fhir.services import DOCUMENT_PARAMS, DocumentResources

DOCUMENT_ROUTES = (
    *search_route(
        "DocumentReference", DOCUMENT_PARAMS, "search_documents", DocumentResources.search
    ),
    read_route("/DocumentReference/{document_id:str}", "read_document", DocumentResources.read),
    read_route("/Binary/{document_id:str}", "read_binary", DocumentResources.binary),
)
