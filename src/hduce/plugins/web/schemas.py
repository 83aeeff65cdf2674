"""The sign-in pages' forms, read leniently: a missing field is empty and the API judges it."""

from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec

T = TypeVar("T", bound=msgspec.Struct)


class SignInForm(msgspec.Struct, kw_only=True):
    """The sign-in form."""

    login: str = ""
    password: str = ""
    totp_code: str = ""
    next: str = "/"


class ForgottenPasswordForm(msgspec.Struct, kw_only=True):
    """The form that asks for a password reset link."""

    email: str = ""


class ConfirmForm(msgspec.Struct, kw_only=True):
    """The button of the reminder's confirmation page: the token from the link."""

    token: str = ""


class RegistrationForm(msgspec.Struct, kw_only=True):
    """The form that opens a patient account."""

    email: str = ""
    username: str = ""
    password: str = ""
    first_name: str = ""
    last_name: str = ""


def read_form(form: Mapping[str, Any], kind: type[T]) -> T:
    """The known fields of a submitted form as `kind` (others, like the CSRF token, ignored)."""
    fields = {name: str(form[name]).strip() for name in kind.__struct_fields__ if name in form}
    return msgspec.convert(fields, kind)
