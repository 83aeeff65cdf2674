"""The audit log for admins: newest events first, and on request the hash chain's status."""

from litestar import Request, Response, get
from litestar.di import NamedDependency

from hduce.contracts.audit import AuditQuery
from hduce.contracts.auth import Role
from hduce.core.errors import NotFound
from hduce.core.http import client_ip
from hduce.plugins.web.routes._booking import names
from hduce.plugins.web.routes._pager import PAGE, offset_of, pager
from hduce.plugins.web.routes._render import render, viewer
from hduce.plugins.web.services import WebServices


@get("/admin/audit")
async def audit_log(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """A page of audit events; with `verify=1`, the whole chain is walked first (audited)."""
    admin = viewer(request, Role.ADMIN)
    if web.trail is None:
        raise NotFound("the audit log is not enabled at this clinic")
    offset, ip = offset_of(request), client_ip(request)
    chain = await web.trail.verify(admin, ip=ip) if request.query_params.get("verify") else None
    events, total = await web.trail.events(admin, AuditQuery(limit=PAGE, offset=offset), ip=ip)
    people = {i for e in events for i in (e.actor_id, e.subject_id) if i is not None}
    return render(
        request,
        web,
        "admin/audit.html",
        title="Audit log",
        chain=chain,
        events=events,
        **pager(offset, total),
        who=await names(web, people),
    )


HANDLERS = (audit_log,)
