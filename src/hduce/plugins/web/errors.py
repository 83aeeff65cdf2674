"""Errors of the web console, each with its HTTP status."""

from hduce.core.errors import HduceError


class CsrfRefused(HduceError):
    """A form came without the token of the session that rendered it."""

    status_code, slug, title = 403, "csrf-refused", "Form refused"


class SignInRequired(HduceError):
    """The page needs a signed-in session (the browser is sent to the sign-in page)."""

    status_code, slug, title = 401, "sign-in-required", "Sign in required"


class SessionEnded(SignInRequired):
    """A form of a signed-in page sent after its session ended: shown, never applied.

    Ended: signed out, revoked, or replaced by another sign-in in the same browser.

    `extra["typed"]`: the (label, text) pairs typed in the form, shown beside the sign-in form.
    """


class PageForbidden(HduceError):
    """The signed-in person's roles do not open this page."""

    status_code, slug, title = 403, "forbidden", "Not for your role"


class BadInput(HduceError):
    """A form or query value the page cannot use."""

    status_code, slug, title = 422, "invalid-input", "Invalid input"


class FormTooLarge(HduceError):
    """A form larger than its page accepts (read no further than the limit)."""

    status_code, slug, title = 413, "form-too-large", "Form too large"
