"""Settings of the web console and patient portal (`[plugins.web]`)."""

from hduce.core.config import Section


class WebConfig(Section):
    """Cookies and what the pages call the clinic."""

    clinic_name: str = "HDuce clinic"
    """Shown in every page's header and title."""
    secure_cookies: bool | None = None
    """Mark session cookies `Secure`; unset: only when the request came over HTTPS."""
