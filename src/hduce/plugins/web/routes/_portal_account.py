"""The portal's account pages: profile, notification settings, two-factor set-up, my data."""

from collections.abc import Callable
from datetime import UTC, datetime, time
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency

from hduce.contracts.auth import Role
from hduce.contracts.notifications import (
    ALWAYS_ON,
    Category,
    OwnNotifications,
    SettingsChange,
)
from hduce.core.errors import Conflict, HduceError
from hduce.core.http import client_ip
from hduce.core.security import Principal
from hduce.plugins.web.errors import BadInput
from hduce.plugins.web.routes._attachments import attachment
from hduce.plugins.web.routes._booking import date_of
from hduce.plugins.web.routes._clock import clock
from hduce.plugins.web.routes._enabled import enabled
from hduce.plugins.web.routes._field_errors import each_field, in_words
from hduce.plugins.web.routes._notices import notice_of
from hduce.plugins.web.routes._qr import qr_data_uri
from hduce.plugins.web.routes._render import (
    error_headers,
    form_page,
    go,
    render,
    typed,
    viewer,
)
from hduce.plugins.web.routes._session import client_of
from hduce.plugins.web.services import WebServices

CHANNELS = (("email", "E-mail"), ("sms", "Text message"), ("push", "App"), ("in_app", "Inbox"))
REQUIRED = ("first_name", "last_name")
OPTIONAL = (
    "phone",
    "address",
    "emergency_contact_name",
    "emergency_contact_phone",
)
PROFILE = (*REQUIRED, *OPTIONAL, "date_of_birth", "timezone")
"""The fields of the profile form."""
QUIET = ("quiet_start", "quiet_end")
"""The quiet hours' fields of the notification settings form."""
MAX_CODE = 20
NOT_SET_UP = "Set up two-factor sign-in first: the code comes from the app you set it up in."

PATIENT_CATEGORIES = tuple(
    category for category in Category if category != Category.CLINICAL_ALERTS
)
"""The kinds of message a patient gets: clinical alerts go to clinicians only."""


def own_notifications(web: WebServices) -> OwnNotifications:
    """The notifications contract (404 pages when the notifications plugin is off)."""
    return enabled(web.own_notifications, "notifications")


@get("/portal/account")
async def account(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """One's profile form and links to the other account pages."""
    patient = viewer(request, Role.PATIENT)
    profile = await web.me.profile(patient)
    born = profile.date_of_birth
    shown = {name: getattr(profile, name) or "" for name in (*REQUIRED, *OPTIONAL, "timezone")}
    return _account_page(request, web, {**shown, "date_of_birth": born.isoformat() if born else ""})


@post("/portal/account")
async def save_profile(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """Change one's profile with the API's rules (names required, a real time zone)."""
    patient = viewer(request, Role.PATIENT)
    values = typed(await request.form(), PROFILE)
    changes: dict[str, Any] = {name: values[name] for name in REQUIRED}
    changes |= {name: values[name] or None for name in OPTIONAL}
    changes["timezone"] = values["timezone"] or "UTC"
    profile = await web.me.profile(patient)
    for name in (*REQUIRED, *OPTIONAL):
        if _as_shown(getattr(profile, name) or "", values[name]):
            del changes[name]  # kept as stored: text the API refuses today may be there
    try:
        changes["date_of_birth"] = date_of(values["date_of_birth"], "the date of birth")
        await web.me.update_profile(patient, changes)
    except HduceError as exc:
        return _account_page(request, web, values, exc)
    return go(request, "/portal/account?saved=1")


def _as_shown(stored: str, sent: str) -> bool:
    """Whether `sent` is what the form showed of `stored` (one-line inputs drop line breaks)."""
    return sent in (stored.strip(), stored.replace("\r", "").replace("\n", "").strip())


def _account_page(
    request: Request, web: WebServices, values: dict[str, str], refusal: HduceError | None = None
) -> Response[str]:
    """The account page with the profile form filled with `values`."""
    return form_page(
        request,
        web,
        "portal/account.html",
        title="My account",
        refusal=refusal,
        profile=values,
        notice=notice_of(request),
    )


@get("/portal/notifications")
async def notifications(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """Which messages come on which channel, and the quiet hours."""
    patient = viewer(request, Role.PATIENT)
    settings = await own_notifications(web).settings(patient.id)
    chosen = settings.channels
    switches = _switches(lambda category, channel: chosen.get(category, {}).get(channel, True))
    hours = settings.quiet_hours or ()
    shown = {name: clock.strftime("%H:%M") for name, clock in zip(QUIET, hours, strict=False)}
    return _notifications_page(request, web, settings.timezone, switches, typed(shown, QUIET))


@post("/portal/notifications")
async def save_notifications(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """Store the ticked channels per category and the quiet hours (both or neither).

    The `ALWAYS_ON` boxes are shown ticked and disabled (so never sent): they stay on.
    A refusal shows the form again as ticked and typed.
    """
    patient = viewer(request, Role.PATIENT)
    form = await request.form()
    switches = _switches(
        lambda category, channel: (
            f"{category}.{channel}" in form or (category, channel) in ALWAYS_ON
        )
    )
    quiet = typed(form, QUIET)
    try:
        hours = _quiet_hours(quiet["quiet_start"], quiet["quiet_end"])
        change = SettingsChange(channels=switches, quiet_hours=hours)
        await own_notifications(web).change_settings(patient.id, change)
    except HduceError as exc:
        zone = (await own_notifications(web).settings(patient.id)).timezone
        return _notifications_page(request, web, zone, switches, quiet, exc)
    return go(request, "/portal/notifications?saved=1")


def _switches(on: Callable[[Category, str], bool]) -> dict[str, dict[str, bool]]:
    """Per category a patient gets, per channel of the form: whether `on` ticks its box."""
    return {
        category.value: {channel: on(category, channel) for channel, _ in CHANNELS}
        for category in PATIENT_CATEGORIES
    }


def _notifications_page(
    request: Request,
    web: WebServices,
    zone: str,
    switches: dict[str, dict[str, bool]],
    quiet: dict[str, str],
    refusal: HduceError | None = None,
) -> Response[str]:
    """The settings form with `switches` ticked and the `quiet` hours typed (in `zone`)."""
    return form_page(
        request,
        web,
        "portal/notifications.html",
        title="Notification settings",
        refusal=refusal,
        switches=switches,
        quiet=quiet,
        timezone=zone,
        categories=PATIENT_CATEGORIES,
        channels=CHANNELS,
        always_on=ALWAYS_ON,
        notice=notice_of(request),
    )


@get("/portal/security")
async def security(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """Whether sign-ins need a code from an authenticator app, and how to turn that on."""
    patient = viewer(request, Role.PATIENT)
    return _security_page(request, web, enabled=await web.sign_in.second_factor_on(patient))


@post("/portal/security/enroll")
async def enroll(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """A new secret for an authenticator app, as text and as a QR code; a code confirms it."""
    patient = viewer(request, Role.PATIENT)
    try:
        enrolment = await web.sign_in.enroll_totp(patient)
    except HduceError as exc:
        return await _security_refused(request, web, patient, exc)
    return render(
        request,
        web,
        "portal/enroll.html",
        title="Set up two-factor sign-in",
        enrolment=enrolment,
        qr=qr_data_uri(enrolment.otpauth_uri),
    )


@post("/portal/security/confirm")
async def confirm(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """Turn two-factor sign-in on with a first code; the recovery codes are shown once."""
    patient = viewer(request, Role.PATIENT)
    code = str((await request.form()).get("code", "")).strip()
    try:
        if not code or len(code) > MAX_CODE:
            raise BadInput("Type the six-digit code your app shows.")
        codes = await web.sign_in.confirm_totp(patient, code, client_of(request))
    except HduceError as exc:
        return await _security_refused(request, web, patient, exc)
    return render(
        request, web, "portal/recovery.html", title="Two-factor sign-in is on", codes=codes
    )


@get("/portal/export")
async def export(request: Request, web: NamedDependency[WebServices]) -> Response[bytes]:
    """Everything the clinic stores about oneself, as one JSON file (audited)."""
    patient = viewer(request, Role.PATIENT)
    body = await web.me.export(patient, client_ip(request))
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    return attachment(body, "application/json", f"my-data-{stamp}.json")


def _security_page(
    request: Request,
    web: WebServices,
    *,
    enabled: bool,
    error: str = "",
    status_code: int = 200,
) -> Response[str]:
    """The two-factor page: on or off, with the error of a failed confirmation."""
    return render(
        request,
        web,
        "portal/security.html",
        title="Two-factor sign-in",
        status_code=status_code,
        enabled=enabled,
        error=error,
    )


async def _security_refused(
    request: Request, web: WebServices, patient: Principal, exc: HduceError
) -> Response[str]:
    """The two-factor page after `exc`, in words: already on, not set up yet, or a bad code."""
    on = await web.sign_in.second_factor_on(patient)
    if isinstance(exc, Conflict):  # the API's words name its endpoints and 'MFA'
        error = "Two-factor sign-in is already on." if on else NOT_SET_UP
    else:
        error = f"{in_words(exc.status_code, exc.detail)} Set it up again to get a new key."
    response = _security_page(request, web, enabled=on, error=error, status_code=exc.status_code)
    response.headers.update(error_headers(exc))
    return response


def _quiet_hours(start: str, end: str) -> tuple[time, time] | None:
    """Both times, or None when both are empty; 422 for one alone, a bad or an empty window."""
    if not start and not end:
        return None
    first, last = each_field(
        quiet_start=lambda: clock(start, "the start of quiet hours", like="22:00"),
        quiet_end=lambda: clock(end, "the end of quiet hours", like="07:00"),
    )
    if first is None or last is None:
        raise BadInput("Quiet hours need a start and an end time, like 22:00 and 07:00.")
    hours = first, last
    if hours[0] == hours[1]:  # a window of no time: messages would never wait
        raise BadInput("Quiet hours start and end at the same time: give two different times.")
    return hours


HANDLERS = (
    account,
    save_profile,
    notifications,
    save_notifications,
    security,
    enroll,
    confirm,
    export,
)
