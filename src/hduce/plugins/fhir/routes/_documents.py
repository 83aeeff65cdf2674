"""`/fhir/R4/DocumentReference` (read, search) and `/fhir/R4/Binary` (a document's file)."""

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from hduce.core.security import Principal
from hduce.plugins.fhir.routes._responses import base_url, bundle, fhir_response, query_of
from hduce.plugins.fhir.services import FhirServices, enabled


@get("/DocumentReference")
async def search_documents(
    request: Request, principal: NamedDependency[Principal], fhir: NamedDependency[FhirServices]
) -> Response[bytes]:
    """Documents newest first by `patient` and `date`: patients see their own."""
    documents = enabled(fhir.documents)
    found = await documents.search(principal, query_of(request), base_url(request))
    return bundle(request, "DocumentReference", found)


@get("/DocumentReference/{document_id:str}")
async def read_document(
    request: Request,
    document_id: FromPath[str],
    principal: NamedDependency[Principal],
    fhir: NamedDependency[FhirServices],
) -> Response[bytes]:
    """One document's metadata; its attachment URL is the `Binary`."""
    documents = enabled(fhir.documents)
    return fhir_response(await documents.read(principal, document_id, base_url(request)))


@get("/Binary/{document_id:str}")
async def read_binary(
    document_id: FromPath[str],
    principal: NamedDependency[Principal],
    fhir: NamedDependency[FhirServices],
) -> Response[bytes]:
    """The file (the patient, doctors and nurses; audited as a download)."""
    return fhir_response(await enabled(fhir.documents).binary(principal, document_id))


DOCUMENT_ROUTES = (search_documents, read_document, read_binary)
