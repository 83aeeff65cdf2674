"""`GET /health`: liveness, served by the core so it exists whichever plugins are enabled."""

from litestar import get

from hduce.core.security.bearer import EXCLUDE_OPT_KEY


@get("/health", tags=["health"], opt={EXCLUDE_OPT_KEY: True}, sync_to_thread=False)
def health() -> dict[str, str]:
    """Liveness: the process is up and serving (no I/O)."""
    return {"status": "ok"}
