"""Errors of the FHIR facade."""

from hduce.core.errors import HduceError


class BadSearch(HduceError):
    """A search parameter FHIR clients sent that HDuce cannot apply (400)."""

    status_code, slug, title = 400, "fhir-bad-search", "Invalid search"


class BadResource(HduceError):
    """A resource body that is not valid FHIR R4 or not one HDuce can act on (400)."""

    status_code, slug, title = 400, "fhir-bad-resource", "Invalid resource"


class NotJson(HduceError):
    """A `_format` other than JSON, the one format this server answers (406)."""

    status_code, slug, title = 406, "fhir-format", "Not acceptable"


class UnsupportedBody(HduceError):
    """A request body in another format than the interaction reads (415)."""

    status_code, slug, title = 415, "fhir-body-format", "Unsupported media type"


class VersionConflict(HduceError):
    """An update whose `If-Match` names another version than the current one (412)."""

    status_code, slug, title = 412, "fhir-version-conflict", "Precondition failed"
