"""The line that says what a form just did, from the flag its redirect put in the query."""

from litestar import Request

NOTICES = {
    "booked": "Your visit is booked.",
    "moved": "Your visit has its new time.",
    "cancelled": "Your visit is cancelled.",
    "joined": "You are on the waitlist: we will write when a time frees up.",
    "saved": "Saved.",
}


def notice_of(request: Request) -> str:
    """The message of the first known flag set to `1` in the query, else empty."""
    return next(
        (text for flag, text in NOTICES.items() if request.query_params.get(flag) == "1"), ""
    )
