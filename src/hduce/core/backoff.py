"""The retry back-off every sender uses: a base delay doubled per failed attempt, capped."""

import random

MAX_EXPONENT = 1023
"""The most doublings computed: `2.0 ** 1024` is too big for a float (the cap applies first)."""


def retry_delay(attempt: int, base: float, cap: float, *, jitter: float = 0.0) -> float:
    """Seconds to wait after failed attempt `attempt` (1 for the first).

    `base` doubled for each attempt after the first, at most `cap`, then times a random 1 to
    `1 + jitter` (which spreads many waits that began together).
    """
    delay = min(cap, base * 2.0 ** min(attempt - 1, MAX_EXPONENT))
    return delay * random.uniform(1.0, 1.0 + jitter)
