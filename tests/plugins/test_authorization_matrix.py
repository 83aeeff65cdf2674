"""Every `/api/v1` route x every role x own / another user's ids: only the allowed cells succeed.

The routes come from the running app, so a new route without a row in `EXPECTED` fails.
A cell holds the expected status: `OK` means any 2xx; otherwise the exact refusal.
Each cell runs against fresh accounts, so cells never depend on one another.
"""

import dataclasses
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pyotp
import pytest
from argon2 import PasswordHasher, Type
from httpx import Response
from litestar.routes import HTTPRoute

from hduce.contracts.notifications import Category, Notifier
from hduce.core.config import Settings
from tests.plugins.appointments.matrix_requests import APPOINTMENT_REQUESTS
from tests.plugins.devices.matrix_requests import DEVICE_REQUESTS
from tests.plugins.documents.matrix_requests import DOCUMENT_REQUESTS
from tests.plugins.search.matrix_requests import SEARCH_REQUESTS
from tests.plugins.users.clinic import (
    FAST_AUTH,
    Clinic,
    Member,
    every_plugin_settings,
    running_clinic,
)
from tests.plugins.webhooks.matrix_requests import WEBHOOK_REQUESTS
from tests.support.context import wait_for_row
from tests.support.mail import mailed_token

OK = 200
ROLES: tuple[str | None, ...] = ("admin", "doctor", "nurse", "receptionist", "patient", None)
SELF, OWN, PATIENT, STAFF = "self", "own", "another patient", "another staff member"
PASSWORD = "Quiet-Lantern-Orbit-7421"
NEW_PASSWORD = "Velvet-Harbor-Cactus-9315"
PASSWORD_HASH = PasswordHasher(
    memory_cost=FAST_AUTH["argon2_memory_kib"],
    time_cost=FAST_AUTH["argon2_time_cost"],
    parallelism=1,
    type=Type.ID,
).hash(PASSWORD)


def row(
    admin: int, doctor: int, nurse: int, receptionist: int, patient: int, anonymous: int
) -> dict[str | None, int]:
    """Expected statuses, in the order of `ROLES`."""
    return dict(zip(ROLES, (admin, doctor, nurse, receptionist, patient, anonymous), strict=True))


PUBLIC = row(OK, OK, OK, OK, OK, OK)
ANY_MEMBER = row(OK, OK, OK, OK, OK, 401)
ADMINS = row(OK, 403, 403, 403, 403, 401)
NOBODY_ELSE = row(404, 404, 404, 404, 404, 401)
ADMIN_ACTION = {OWN: row(409, 403, 403, 403, 403, 401), PATIENT: ADMINS, STAFF: ADMINS}
CLINICIANS = row(403, OK, OK, 403, 403, 401)
STAFF_ONLY = row(OK, OK, OK, OK, 403, 401)
# On another patient's appointment with another practitioner: only the front desk gets through.
FRONT_DESK = row(OK, 404, 404, OK, 404, 401)
ON_APPOINTMENT = {OWN: ANY_MEMBER, PATIENT: FRONT_DESK}
STAFF_ON_APPOINTMENT = {OWN: STAFF_ONLY, PATIENT: row(OK, 404, 404, OK, 403, 401)}
CLINICAL_ON_APPOINTMENT = {OWN: CLINICIANS, PATIENT: row(403, 404, 404, 403, 403, 401)}
# Staff naming no patient leave out an input, as for an upload: 422 naming `patient_id`.
FOR_SELF_OR_PATIENT = {OWN: row(422, 422, 422, 422, OK, 401), PATIENT: STAFF_ONLY}
HOURS = {OWN: row(404, OK, OK, 404, 403, 401), STAFF: row(OK, 403, 403, OK, 403, 401)}
# Care teams: clinicians and admins change a patient's team (a staff account has none: 404).
CARE_TEAM_CHANGE = {OWN: row(404, 404, 404, 403, 403, 401), PATIENT: row(OK, OK, OK, 403, 403, 401)}
A = "/api/v1/appointments"
DOC = "/api/v1/documents"
# Documents: patients their own (404 for others'), clinicians all, admins metadata only,
# receptionists upload but read nothing; the uploader and admins delete.
DOCUMENT_UPLOAD = {OWN: row(422, 422, 422, 422, OK, 401), PATIENT: row(OK, OK, OK, OK, 403, 401)}
DOCUMENT_METADATA = {OWN: ANY_MEMBER, PATIENT: row(OK, OK, OK, 403, 404, 401)}
DOCUMENT_CONTENT = {OWN: ANY_MEMBER, PATIENT: row(403, OK, OK, 403, 404, 401)}
D = "/api/v1/devices"
DEVICE_READERS = row(OK, OK, OK, 403, 403, 401)

EXPECTED: dict[tuple[str, str], dict[str, dict[str | None, int]]] = {
    ("POST", "/api/v1/auth/register"): {SELF: PUBLIC},
    ("POST", "/api/v1/auth/login"): {SELF: PUBLIC},
    ("POST", "/api/v1/auth/refresh"): {SELF: PUBLIC},
    ("POST", "/api/v1/auth/forgot-password"): {SELF: PUBLIC},
    ("POST", "/api/v1/auth/reset-password"): {SELF: PUBLIC},
    ("POST", "/api/v1/auth/verify-email"): {SELF: PUBLIC},
    ("POST", "/api/v1/auth/verify-email/resend"): {SELF: PUBLIC},
    ("POST", "/api/v1/auth/logout"): {SELF: ANY_MEMBER},
    ("POST", "/api/v1/auth/change-password"): {SELF: ANY_MEMBER},
    ("GET", "/api/v1/auth/sessions"): {SELF: ANY_MEMBER},
    ("DELETE", "/api/v1/auth/sessions/{session_id}"): {
        OWN: ANY_MEMBER,
        PATIENT: NOBODY_ELSE,
        STAFF: NOBODY_ELSE,
    },
    ("POST", "/api/v1/auth/mfa/totp/enroll"): {SELF: ANY_MEMBER},
    ("POST", "/api/v1/auth/mfa/totp/verify"): {SELF: ANY_MEMBER},
    ("POST", "/api/v1/auth/mfa/totp/disable"): {SELF: ANY_MEMBER},
    ("GET", "/api/v1/analytics"): {SELF: ADMINS},
    ("GET", "/api/v1/audit"): {SELF: ADMINS},
    ("GET", "/api/v1/audit/verify"): {SELF: ADMINS},
    ("GET", "/api/v1/users/me"): {SELF: ANY_MEMBER},
    ("PUT", "/api/v1/users/me"): {SELF: ANY_MEMBER},
    ("GET", "/api/v1/users"): {SELF: ADMINS},
    ("GET", "/api/v1/users/{user_id}"): {
        OWN: ANY_MEMBER,
        PATIENT: row(OK, OK, OK, OK, 404, 401),
        STAFF: row(OK, 404, 404, 404, 404, 401),
    },
    ("POST", "/api/v1/users/{user_id}/approve"): ADMIN_ACTION,
    ("PUT", "/api/v1/users/{user_id}/roles"): ADMIN_ACTION,
    ("POST", "/api/v1/users/{user_id}/deactivate"): ADMIN_ACTION,
    ("POST", "/api/v1/users/{user_id}/reactivate"): ADMIN_ACTION,
    ("POST", "/api/v1/users/{user_id}/force-password-reset"): ADMIN_ACTION,
    ("GET", "/api/v1/practitioners"): {SELF: ANY_MEMBER},
    ("GET", "/api/v1/users/me/export"): {SELF: ANY_MEMBER},
    ("GET", "/api/v1/users/{user_id}/export"): {
        OWN: ADMINS,
        PATIENT: ADMINS,
        STAFF: ADMINS,
    },
    ("GET", "/api/v1/users/{patient_id}/care-team"): {
        OWN: row(404, 404, 404, 404, OK, 401),
        PATIENT: row(OK, OK, OK, OK, 404, 401),
    },
    ("PUT", "/api/v1/users/{patient_id}/care-team/{clinician_id}"): CARE_TEAM_CHANGE,
    ("DELETE", "/api/v1/users/{patient_id}/care-team/{clinician_id}"): CARE_TEAM_CHANGE,
    ("GET", f"{A}/types"): {SELF: ANY_MEMBER},
    ("POST", f"{A}/types"): {SELF: ADMINS},
    ("PATCH", f"{A}/types/{{type_id}}"): {SELF: ADMINS},
    ("GET", f"{A}/availability/{{practitioner_id}}"): {STAFF: ANY_MEMBER},
    ("PUT", f"{A}/availability/{{practitioner_id}}"): HOURS,
    ("POST", f"{A}/availability/{{practitioner_id}}/exceptions"): HOURS,
    ("DELETE", f"{A}/availability/{{practitioner_id}}/exceptions/{{exception_id}}"): {
        OWN: STAFF_ONLY,
        STAFF: row(OK, 403, 403, OK, 403, 401),
    },
    ("GET", f"{A}/slots"): {SELF: ANY_MEMBER},
    ("POST", A): FOR_SELF_OR_PATIENT,
    ("GET", A): {SELF: ANY_MEMBER},
    ("GET", f"{A}/{{appointment_ref}}"): ON_APPOINTMENT,
    ("POST", f"{A}/{{appointment_id}}/confirm"): {OWN: PUBLIC},
    ("POST", f"{A}/{{appointment_id}}/cancel"): ON_APPOINTMENT,
    ("POST", f"{A}/{{appointment_id}}/reschedule"): ON_APPOINTMENT,
    ("POST", f"{A}/{{appointment_id}}/check-in"): STAFF_ON_APPOINTMENT,
    ("POST", f"{A}/{{appointment_id}}/start"): CLINICAL_ON_APPOINTMENT,
    ("POST", f"{A}/{{appointment_id}}/complete"): CLINICAL_ON_APPOINTMENT,
    ("POST", f"{A}/{{appointment_id}}/no-show"): STAFF_ON_APPOINTMENT,
    ("PUT", f"{A}/{{appointment_id}}/notes"): CLINICAL_ON_APPOINTMENT,
    ("GET", f"{A}/waitlist"): {SELF: ANY_MEMBER},
    ("POST", f"{A}/waitlist"): FOR_SELF_OR_PATIENT,
    ("POST", f"{A}/waitlist/{{entry_id}}/claim"): ON_APPOINTMENT,
    ("DELETE", f"{A}/waitlist/{{entry_id}}"): ON_APPOINTMENT,
    ("GET", f"{A}/feeds"): {SELF: CLINICIANS},
    ("POST", f"{A}/feeds"): {SELF: CLINICIANS},
    ("DELETE", f"{A}/feeds/{{feed_id}}"): {
        OWN: CLINICIANS,
        STAFF: row(403, 404, 404, 403, 403, 401),
    },
    ("GET", f"{A}/ical/{{feed_file}}"): {OWN: PUBLIC},
    ("GET", "/api/v1/notifications"): {SELF: ANY_MEMBER},
    ("GET", "/api/v1/notifications/unread-count"): {SELF: ANY_MEMBER},
    ("POST", "/api/v1/notifications/read-all"): {SELF: ANY_MEMBER},
    ("POST", "/api/v1/notifications/{notification_id}/read"): {
        OWN: ANY_MEMBER,
        PATIENT: NOBODY_ELSE,
        STAFF: NOBODY_ELSE,
    },
    ("GET", "/api/v1/notifications/stream"): {SELF: ANY_MEMBER},
    ("GET", "/api/v1/notifications/preferences"): {SELF: ANY_MEMBER},
    ("PUT", "/api/v1/notifications/preferences"): {SELF: ANY_MEMBER},
    ("GET", "/api/v1/notifications/deliveries"): {SELF: ADMINS},
    ("POST", DOC): DOCUMENT_UPLOAD,
    ("POST", f"{DOC}/form"): DOCUMENT_UPLOAD,
    ("GET", DOC): {SELF: row(OK, OK, OK, 403, OK, 401)},
    ("GET", f"{DOC}/{{document_id}}"): DOCUMENT_METADATA,
    ("GET", f"{DOC}/{{document_id}}/content"): DOCUMENT_CONTENT,
    ("GET", f"{DOC}/{{document_id}}/text"): DOCUMENT_CONTENT,
    ("PATCH", f"{DOC}/{{document_id}}"): DOCUMENT_METADATA,
    ("DELETE", f"{DOC}/{{document_id}}"): {
        OWN: ANY_MEMBER,
        PATIENT: row(OK, 403, 403, 403, 404, 401),
    },
    ("GET", "/api/v1/search"): {SELF: ANY_MEMBER},
    ("GET", "/api/v1/search/suggest"): {SELF: ANY_MEMBER},
    ("POST", D): {SELF: ADMINS},
    ("GET", D): {SELF: DEVICE_READERS},
    ("GET", f"{D}/{{device_id}}"): {PATIENT: DEVICE_READERS},
    ("POST", f"{D}/{{device_id}}/rotate-secret"): {PATIENT: ADMINS},
    ("PUT", f"{D}/{{device_id}}/patient"): {PATIENT: ADMINS},
    ("POST", f"{D}/{{device_id}}/deactivate"): {PATIENT: ADMINS},
    # Readings: the patient's own, any patient's for clinicians; nobody else's.
    ("GET", f"{D}/readings"): {
        OWN: row(403, OK, OK, 403, OK, 401),
        PATIENT: row(403, OK, OK, 403, 403, 401),
    },
    ("GET", f"{D}/alerts"): {SELF: CLINICIANS},
    ("POST", f"{D}/alerts/{{alert_id}}/acknowledge"): {PATIENT: CLINICIANS},
    ("GET", f"{D}/thresholds/{{patient_id}}"): {PATIENT: CLINICIANS},
    ("PUT", f"{D}/thresholds/{{patient_id}}/{{metric}}"): {
        PATIENT: row(403, OK, 403, 403, 403, 401)
    },
    ("DELETE", f"{D}/thresholds/{{patient_id}}/{{metric}}"): {
        PATIENT: row(403, OK, 403, 403, 403, 401)
    },
    ("POST", "/api/v1/webhooks"): {SELF: ADMINS},
    ("GET", "/api/v1/webhooks"): {SELF: ADMINS},
    ("GET", "/api/v1/webhooks/{webhook_id}"): {SELF: ADMINS},
    ("PATCH", "/api/v1/webhooks/{webhook_id}"): {SELF: ADMINS},
    ("DELETE", "/api/v1/webhooks/{webhook_id}"): {SELF: ADMINS},
    ("POST", "/api/v1/webhooks/{webhook_id}/rotate-secret"): {SELF: ADMINS},
    ("GET", "/api/v1/webhooks/{webhook_id}/deliveries"): {SELF: ADMINS},
}


@dataclass(frozen=True)
class Cell:
    """One caller (None: anonymous) acting on one target account, in a running app."""

    clinic: Clinic
    caller: Member | None
    target: Member

    @property
    def headers(self) -> dict[str, str]:
        """The caller's credentials (a real login's access token), or none."""
        return self.caller.headers if self.caller else {}

    async def call(self, method: str, url: str, json: object = None) -> Response:
        """Send one request as the caller."""
        return await self.clinic.client.request(method, url, json=json, headers=self.headers)

    async def login(self, member: Member) -> dict[str, object]:
        """Log `member` in through the API; returns the token pair."""
        response = await self.clinic.client.post(
            "/api/v1/auth/login", json={"email": member.email, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def mailed_token(self, template: str, user_id: uuid.UUID) -> str:
        """The one-time token of the newest `template` e-mail to `user_id`."""
        return await mailed_token(self.clinic, user_id, template)

    async def session_of(self, member: Member) -> str:
        """The id of a new login session of `member`."""
        tokens = await self.login(member)
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        sessions = await self.clinic.client.get("/api/v1/auth/sessions", headers=headers)
        current = [s for s in sessions.json() if s["current"]]
        assert len(current) == 1, sessions.text
        return current[0]["id"]

    async def enrolled_code(self) -> str:
        """Enrol the caller in TOTP MFA and return a current code."""
        enrolment = await self.call("POST", "/api/v1/auth/mfa/totp/enroll")
        if enrolment.status_code != 200:
            return "000000"
        return pyotp.TOTP(enrolment.json()["secret"]).now()


async def register(cell: Cell) -> Response:
    tag = uuid.uuid4().hex[:16]
    body = {
        "email": f"{tag}@example.test",
        "username": f"reg_{tag}",
        "password": PASSWORD,
        "first_name": "Reggie",
        "last_name": "Stration",
    }
    return await cell.call("POST", "/api/v1/auth/register", body)


async def login(cell: Cell) -> Response:
    body = {"email": cell.target.email, "password": PASSWORD}
    return await cell.call("POST", "/api/v1/auth/login", body)


async def refresh(cell: Cell) -> Response:
    tokens = await cell.login(cell.target)
    body = {"refresh_token": tokens["refresh_token"]}
    return await cell.call("POST", "/api/v1/auth/refresh", body)


async def forgot_password(cell: Cell) -> Response:
    return await cell.call("POST", "/api/v1/auth/forgot-password", {"email": cell.target.email})


async def reset_password(cell: Cell) -> Response:
    await cell.clinic.client.post("/api/v1/auth/forgot-password", json={"email": cell.target.email})
    token = await cell.mailed_token("password_reset", cell.target.id)
    body = {"token": token, "new_password": NEW_PASSWORD}
    return await cell.call("POST", "/api/v1/auth/reset-password", body)


async def verify_email(cell: Cell) -> Response:
    await cell.clinic.execute(
        "UPDATE account SET email_verified_at = NULL WHERE id = $1", cell.target.id
    )
    await cell.clinic.client.post(
        "/api/v1/auth/verify-email/resend", json={"email": cell.target.email}
    )
    token = await cell.mailed_token("verify_email", cell.target.id)
    return await cell.call("POST", "/api/v1/auth/verify-email", {"token": token})


async def resend_verification(cell: Cell) -> Response:
    body = {"email": cell.target.email}
    return await cell.call("POST", "/api/v1/auth/verify-email/resend", body)


async def change_password(cell: Cell) -> Response:
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    return await cell.call("POST", "/api/v1/auth/change-password", body)


async def revoke_session(cell: Cell) -> Response:
    session_id = await cell.session_of(cell.target)
    return await cell.call("DELETE", f"/api/v1/auth/sessions/{session_id}")


async def verify_totp(cell: Cell) -> Response:
    code = await cell.enrolled_code()
    return await cell.call("POST", "/api/v1/auth/mfa/totp/verify", {"code": code})


async def disable_totp(cell: Cell) -> Response:
    verified = await cell.call(
        "POST", "/api/v1/auth/mfa/totp/verify", {"code": await cell.enrolled_code()}
    )
    code = verified.json()["recovery_codes"][0] if verified.status_code == 200 else "000000"
    body = {"password": PASSWORD, "code": code}
    return await cell.call("POST", "/api/v1/auth/mfa/totp/disable", body)


async def read_notification(cell: Cell) -> Response:
    notification_id = await cell.clinic.in_app(_in_app_item, cell.clinic, cell.target.id)
    return await cell.call("POST", f"/api/v1/notifications/{notification_id}/read")


async def _in_app_item(clinic: Clinic, user_id: uuid.UUID) -> uuid.UUID:
    """Notify `user_id` and return the in-app delivery id once it is in the inbox."""
    async with clinic.context.db.transaction():
        notification = await clinic.context.registry.get(Notifier).notify(
            user_id, "test_message", {"text": "matrix"}, Category.GENERAL
        )
    row = await wait_for_row(
        clinic.context.db.shared_pool,
        "SELECT id FROM delivery WHERE notification = $1 AND channel = 'in_app' "
        "AND status = 'sent'",
        notification,
    )
    return row["id"]


def care_team_change(method: str) -> Callable[[Cell], Awaitable[Response]]:
    """Add (PUT) or remove (DELETE, once added directly) a fresh doctor on the target's team."""

    async def send(cell: Cell) -> Response:
        doctor = await cell.clinic.member("doctor")
        if method == "DELETE":
            await cell.clinic.execute(
                "INSERT INTO care_team_member (id, patient, clinician, added_by, added_at) "
                "VALUES ($1, $2, $3, $3, now())",
                uuid.uuid4(),
                cell.target.id,
                doctor.id,
            )
        return await cell.call(method, f"/api/v1/users/{cell.target.id}/care-team/{doctor.id}")

    return send


def plain(method: str, path: str, body: object = None) -> Callable[[Cell], Awaitable[Response]]:
    """A request needing no preparation; `{user_id}` becomes the target's id."""

    async def send(cell: Cell) -> Response:
        return await cell.call(method, path.replace("{user_id}", str(cell.target.id)), body)

    return send


REQUESTS: dict[tuple[str, str], Callable[[Cell], Awaitable[Response]]] = {
    ("POST", "/api/v1/auth/register"): register,
    ("POST", "/api/v1/auth/login"): login,
    ("POST", "/api/v1/auth/refresh"): refresh,
    ("POST", "/api/v1/auth/forgot-password"): forgot_password,
    ("POST", "/api/v1/auth/reset-password"): reset_password,
    ("POST", "/api/v1/auth/verify-email"): verify_email,
    ("POST", "/api/v1/auth/verify-email/resend"): resend_verification,
    ("POST", "/api/v1/auth/change-password"): change_password,
    ("DELETE", "/api/v1/auth/sessions/{session_id}"): revoke_session,
    ("POST", "/api/v1/auth/mfa/totp/verify"): verify_totp,
    ("POST", "/api/v1/auth/mfa/totp/disable"): disable_totp,
    ("PUT", "/api/v1/users/me"): plain("PUT", "/api/v1/users/me", {"first_name": "Matrix"}),
    ("POST", "/api/v1/notifications/{notification_id}/read"): read_notification,
    ("PUT", "/api/v1/notifications/preferences"): plain(
        "PUT", "/api/v1/notifications/preferences", {"quiet_hours": None}
    ),
    ("PUT", "/api/v1/users/{user_id}/roles"): plain(
        "PUT", "/api/v1/users/{user_id}/roles", {"roles": ["nurse"]}
    ),
    ("GET", "/api/v1/users/{patient_id}/care-team"): plain(
        "GET", "/api/v1/users/{user_id}/care-team"
    ),
    ("PUT", "/api/v1/users/{patient_id}/care-team/{clinician_id}"): care_team_change("PUT"),
    ("DELETE", "/api/v1/users/{patient_id}/care-team/{clinician_id}"): care_team_change("DELETE"),
    **APPOINTMENT_REQUESTS,
    **DOCUMENT_REQUESTS,
    **SEARCH_REQUESTS,
    **DEVICE_REQUESTS,
    **WEBHOOK_REQUESTS,
}
# What another user's account must look like for the action on it to make sense.
TARGET_STATUS = {
    ("POST", "/api/v1/users/{user_id}/approve"): "pending_approval",
    ("POST", "/api/v1/users/{user_id}/reactivate"): "deactivated",
}
TARGET_ROLES = {PATIENT: ("patient",), STAFF: ("doctor",)}


def api_routes(clinic: Clinic) -> set[tuple[str, str]]:
    """Every (method, path template) the app serves under `/api/v1`."""
    found = set()
    for route in clinic.client.app.routes:
        if isinstance(route, HTTPRoute) and route.path.startswith("/api/v1"):
            for handler in route.route_handlers:
                found |= {(m, route.path_format) for m in handler.http_methods if m != "OPTIONS"}
    return found


@pytest.fixture(scope="module")
async def clinic(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Clinic]:
    """Every plugin, the per-address rate limits out of the way of ~1000 requests."""
    configured = every_plugin_settings(
        settings,
        tmp_path_factory.mktemp("matrix-documents"),
        # Short live streams: the stream route answers, then ends on its own.
        notifications={"stream_max_duration": "100ms"},
    )
    async with running_clinic(configured) as running:
        yield running


async def test_every_route_has_a_row(clinic: Clinic) -> None:
    served = api_routes(clinic)
    assert sorted(served - set(EXPECTED)) == [], "routes missing from EXPECTED"
    assert sorted(set(EXPECTED) - served) == [], "EXPECTED lists routes the app does not serve"


async def caller_for(clinic: Clinic, role: str | None) -> Member | None:
    if role is None:
        return None
    member = await clinic.member(role, password_hash=PASSWORD_HASH)
    response = await clinic.client.post(
        "/api/v1/auth/login", json={"email": member.email, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    return dataclasses.replace(member, headers=headers)


@pytest.mark.parametrize("route", sorted(EXPECTED), ids=" ".join)
async def test_only_allowed_cells_succeed(clinic: Clinic, route: tuple[str, str]) -> None:
    method, path = route
    send = REQUESTS.get(route) or plain(method, path)
    mismatches = []
    for target_kind, expected_row in EXPECTED[route].items():
        for role, expected in expected_row.items():
            caller = await caller_for(clinic, role)
            if target_kind in (SELF, OWN) and caller is not None:
                target = caller
            else:
                roles = TARGET_ROLES.get(target_kind, ("patient",))
                target = await clinic.member(
                    *roles,
                    status=TARGET_STATUS.get(route, "active"),
                    password_hash=PASSWORD_HASH,
                )
            response = await send(Cell(clinic, caller, target))
            status = response.status_code
            allowed = expected == OK and 200 <= status < 300
            if not (allowed or status == expected):
                mismatches.append(
                    f"{role or 'anonymous'} on {target_kind}: expected "
                    f"{'2xx' if expected == OK else expected}, got {status} "
                    f"{response.text[:160]}"
                )
    assert not mismatches, f"{method} {path}:\n" + "\n".join(mismatches)
