"""Errors raised by the embedded service supervisors."""

from pathlib import Path


class EmbeddedServiceError(RuntimeError):
    """An embedded service (PostgreSQL, NATS) could not be started or stopped."""


def log_tail(path: Path, lines: int = 3) -> str:
    """Return the last lines of a log file joined on one line, or a note when it is unreadable."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    tail = [line.strip() for line in text.splitlines() if line.strip()][-lines:]
    return " | ".join(tail) or f"(empty log {path})"
