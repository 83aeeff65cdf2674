"""Settings of the web console and patient portal (`[plugins.web]`)."""

from hduce.core.config import Section


class WebConfig(Section):
    """Cookies and what the pages call the clinic."""

    clinic_name: str = "HDuce clinic"
    """Shown in every page's header and title."""
    secure_cookies: bool = False
    """Mark session cookies `Secure` even on a plain-HTTP request (a TLS proxy in front that
    does not say so); over HTTPS they always are."""
