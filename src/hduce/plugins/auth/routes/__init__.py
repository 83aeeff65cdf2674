"""The auth API under `/api/v1/auth` and the pages e-mailed links open, rate limited per address."""

from litestar import Router

from hduce.core.db import Database
from hduce.plugins.auth.config import AuthConfig
from hduce.plugins.auth.routes._account import (
    change_password,
    disable_totp,
    enroll_totp,
    list_sessions,
    logout,
    revoke_session,
    verify_totp,
)
from hduce.plugins.auth.routes._limits import limited
from hduce.plugins.auth.routes._pages import (
    confirm_email,
    reset_password_form,
    reset_password_page,
    verify_email_page,
)
from hduce.plugins.auth.routes._public import (
    forgot_password,
    login,
    refresh,
    register,
    resend_verification,
    reset_password,
    verify_email,
)


def auth_routes(config: AuthConfig, db: Database) -> list[Router]:
    """Every auth route; each limited group counts in windows of its own."""
    reset_rate = config.password_reset_per_hour_per_ip
    verify_rate = config.verify_email_per_hour_per_ip
    return [
        limited(db, "register", "hour", config.register_per_hour_per_ip, register),
        limited(db, "login", "minute", config.login_per_minute_per_ip, login),
        limited(db, "forgot_password", "hour", reset_rate, forgot_password),
        limited(db, "reset_password", "hour", reset_rate, reset_password),
        limited(db, "verify_email", "hour", verify_rate, verify_email),
        limited(db, "resend_verification", "hour", verify_rate, resend_verification),
        limited(db, "mfa", "minute", config.mfa_per_minute_per_ip, verify_totp, disable_totp),
        Router(
            path="/auth",
            route_handlers=[
                refresh,
                logout,
                change_password,
                list_sessions,
                revoke_session,
                enroll_totp,
            ],
            tags=["auth"],
        ),
    ]


def auth_pages(config: AuthConfig, db: Database) -> list[Router]:
    """`/verify-email` and `/reset-password` pages, limited like the API routes they stand for."""
    return [
        limited(
            db,
            "verify_email_page",
            "hour",
            config.verify_email_per_hour_per_ip,
            verify_email_page,
            confirm_email,
            path="/",
        ),
        limited(
            db,
            "reset_password_page",
            "hour",
            config.password_reset_per_hour_per_ip,
            reset_password_page,
            reset_password_form,
            path="/",
        ),
    ]
