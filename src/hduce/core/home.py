"""`GET /`: where a browser pointed at the server lands (the API docs, until a web console)."""

from litestar import get
from litestar.response import Redirect

from hduce.core.security.bearer import EXCLUDE_OPT_KEY

HOME = "/docs"


@get("/", include_in_schema=False, opt={EXCLUDE_OPT_KEY: True}, sync_to_thread=False)
def home() -> Redirect:
    """Send visitors to the API docs."""
    return Redirect(HOME)
