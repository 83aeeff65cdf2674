"""Devices for admins: the registry, registering one (its secret shown once) and rotating it."""

import uuid

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from hduce.contracts.auth import Role
from hduce.contracts.devices import DeviceDirectory, DeviceSpec, DeviceView
from hduce.contracts.users import PeopleQuery
from hduce.core.errors import HduceError, NotFound
from hduce.core.security import Principal
from hduce.plugins.web.errors import BadInput
from hduce.plugins.web.routes._booking import names
from hduce.plugins.web.routes._pager import PAGE, offset_of, pager
from hduce.plugins.web.routes._render import form_page, render, typed, viewer
from hduce.plugins.web.services import WebServices

KINDS = ("blood_pressure", "pulse_oximeter", "thermometer", "scale", "glucose_meter", "other")
"""The kinds offered in the form (the devices API checks them again)."""
FIELDS = ("kind", "name", "serial", "patient_email")
"""The fields of the registration form."""


def directory_of(services: WebServices) -> DeviceDirectory:
    """The devices contract; 404 pages when the devices plugin is off."""
    if services.devices is None:
        raise NotFound("devices are not enabled at this clinic")
    return services.devices


async def _patient_by_email(services: WebServices, email: str) -> uuid.UUID | None:
    """The patient whose e-mail is `email` (None when blank); 422 when no patient has it."""
    if not email:
        return None
    query = PeopleQuery(roles=frozenset({Role.PATIENT}), email=email, limit=1)
    found, _ = await services.people.search(query)
    if not found:
        unknown = f"no patient has the e-mail address {email}"
        raise BadInput.naming("patient_email", unknown, "body", detail=unknown)
    return found[0].id


@get("/admin/devices")
async def devices(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """Registered devices and the form that registers one."""
    admin = viewer(request, Role.ADMIN)
    return await _devices_page(request, web, admin, dict.fromkeys(FIELDS, ""))


async def _devices_page(
    request: Request,
    web: WebServices,
    admin: Principal,
    values: dict[str, str],
    refusal: HduceError | None = None,
) -> Response[str]:
    """The page of devices, with the registration form filled with `values`."""
    offset = offset_of(request)
    found, total = await directory_of(web).page(admin, patient_id=None, limit=PAGE, offset=offset)
    who = await names(web, (d.patient_id for d in found if d.patient_id))
    return form_page(
        request,
        web,
        "admin/devices.html",
        title="Devices",
        refusal=refusal,
        devices=found,
        **pager(offset, total),
        who=who,
        kinds=KINDS,
        form=values,
    )


@post("/admin/devices")
async def register(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """Register a device; the page shows its secret this once."""
    admin = viewer(request, Role.ADMIN)
    values = typed(await request.form(), FIELDS)
    try:
        spec = DeviceSpec(
            kind=values["kind"],
            name=values["name"],
            serial=values["serial"],
            patient_id=await _patient_by_email(web, values["patient_email"]),
        )
        device, secret = await directory_of(web).register(admin, spec)
    except HduceError as exc:
        return await _devices_page(request, web, admin, values, exc)
    return _secret_page(request, web, device, secret, status_code=201)


@post("/admin/devices/{device_id:uuid}/rotate")
async def rotate(
    request: Request, device_id: FromPath[uuid.UUID], web: NamedDependency[WebServices]
) -> Response[str]:
    """Replace a device's secret (the old one stops working); the page shows the new one once."""
    admin = viewer(request, Role.ADMIN)
    directory = directory_of(web)
    secret = await directory.rotate_secret(admin, device_id)
    return _secret_page(request, web, await directory.get(admin, device_id), secret)


def _secret_page(
    request: Request, web: WebServices, device: DeviceView, secret: str, status_code: int = 200
) -> Response[str]:
    return render(
        request,
        web,
        "admin/device_secret.html",
        title="Device credentials",
        status_code=status_code,
        device=device,
        secret=secret,
    )


HANDLERS = (devices, register, rotate)
