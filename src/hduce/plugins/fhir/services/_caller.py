"""Who asks a FHIR read or search, and what of the request a service may need."""

from dataclasses import dataclass

from hduce.core.security import Principal


@dataclass(frozen=True)
class Caller:
    """Who asks a read or search, from where, and through which base URL.

    `ip` is their address, for the audit log; `base_url` the absolute URL of `/fhir/R4` (under
    `server.public_url`, else as they reached it), for links in the answer.
    """

    principal: Principal
    ip: str | None
    base_url: str
