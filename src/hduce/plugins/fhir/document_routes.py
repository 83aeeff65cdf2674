"""`/fhir/R4/DocumentReference` (read, search) and `/fhir/R4/Binary` (a document's file)."""

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from hduce.core.security import principal_of
from hduce.plugins.fhir.documents import DocumentResources
from hduce.plugins.fhir.media import fhir_response
from hduce.plugins.fhir.search_response import base_url, bundle, query_of


@get("/DocumentReference")
async def search_documents(
    request: Request, fhir_documents: NamedDependency[DocumentResources]
) -> Response[bytes]:
    """Documents newest first by `patient` and `date`: patients see their own."""
    principal = principal_of(request)
    found = await fhir_documents.search(principal, query_of(request), base_url(request))
    return bundle(request, "DocumentReference", found)


@get("/DocumentReference/{document_id:str}")
async def read_document(
    request: Request, document_id: FromPath[str], fhir_documents: NamedDependency[DocumentResources]
) -> Response[bytes]:
    """One document's metadata; its attachment URL is the `Binary`."""
    principal = principal_of(request)
    return fhir_response(await fhir_documents.read(principal, document_id, base_url(request)))


@get("/Binary/{document_id:str}")
async def read_binary(
    request: Request, document_id: FromPath[str], fhir_documents: NamedDependency[DocumentResources]
) -> Response[bytes]:
    """The file (the patient, doctors and nurses; audited as a download)."""
    return fhir_response(await fhir_documents.binary(principal_of(request), document_id))


DOCUMENT_ROUTES = (search_documents, read_document, read_binary)
