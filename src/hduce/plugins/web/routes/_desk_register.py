"""Register a patient at the front desk: the account, then e-mails to verify and set a password."""

import re
import secrets
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.di import NamedDependency

from hduce.contracts.auth import NewPatient
from hduce.core.errors import Conflict, HduceError
from hduce.plugins.web.routes._booking import date_of
from hduce.plugins.web.routes._desk import DESK
from hduce.plugins.web.routes._render import go, refused, render, viewer
from hduce.plugins.web.routes._session import client_of
from hduce.plugins.web.services import WebServices

FIELDS = ("first_name", "last_name", "email", "phone", "date_of_birth")
_NOT_IN_USERNAME = re.compile(r"[^A-Za-z0-9_.-]+")
KNOWN_ADDRESS = "This e-mail address already has an account: find the patient by name to book."


@get("/desk/patients/new")
async def new_patient(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """The form that registers a patient who came to the desk."""
    viewer(request, *DESK)
    return render(request, web, "desk/register.html", title="Register a patient", form={}, error="")


@post("/desk/patients/new")
async def register(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """Open the account; the patient is mailed links to confirm the address and set a password."""
    staff = viewer(request, *DESK)
    form = await request.form()
    fields = {name: str(form.get(name, "")).strip() for name in FIELDS}
    try:
        person = NewPatient(
            email=fields["email"],
            username=_username(fields["email"]),
            # Nobody knows this password: the patient sets their own from the reset e-mail.
            password=secrets.token_urlsafe(32),
            first_name=fields["first_name"],
            last_name=fields["last_name"],
            phone=fields["phone"] or None,
            date_of_birth=date_of(fields["date_of_birth"], "the date of birth"),
        )
        patient_id = await web.sign_in.register(person, client_of(request))
        if patient_id is None:  # its owner was mailed a notice; staff may know it is taken
            raise Conflict.naming("email", KNOWN_ADDRESS, "body", detail=KNOWN_ADDRESS)
    except HduceError as exc:
        return refused(
            request, web, exc, "desk/register.html", title="Register a patient", form=fields
        )
    await web.accounts.invite(patient_id, by=staff.id)
    query = urlencode({"q": f"{person.first_name} {person.last_name}", "registered": 1})
    return go(request, f"/desk/book?{query}")


def _username(email: str) -> str:
    """A free-looking username from the address's local part and a random suffix."""
    local = _NOT_IN_USERNAME.sub("", email.partition("@")[0])[:40] or "patient"
    return f"{local}.{secrets.token_hex(3)}".lstrip("._-")


HANDLERS = (new_patient, register)
