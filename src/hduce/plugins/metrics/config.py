"""Settings of the metrics plugin (`[plugins.metrics]`)."""

from hduce.core.config import Duration, Finding, PositiveDuration, Section
from hduce.core.config.production import secret_finding

HEALTH_TOKEN_KEY = "plugins.metrics.health_token"


class MetricsConfig(Section):
    """Health thresholds, check timeouts, who reads health details, the analytics period."""

    check_timeout: PositiveDuration = PositiveDuration(2)
    health_cache: Duration = Duration(1)
    """How long one run of the checks answers `/health/detailed` (and `/metrics`) callers (0:
    every caller runs them, as the tests do)."""
    health_token: str = ""
    """Environment only (`HDUCE_PLUGINS__METRICS__HEALTH_TOKEN`): a bearer token for probes.

    Held to the signing secrets' policy when set: it opens `/health/detailed` and `/metrics`,
    which no rate limit guards.
    """
    max_outbox_age: PositiveDuration = PositiveDuration(300)
    max_task_lag: int = 10_000
    analytics_default_period: PositiveDuration = PositiveDuration(30 * 86400)
    """How far back `GET /api/v1/analytics` looks when no `start` is given.

    Also the least a `start` given alone covers, when it is later than the default end.
    """
    analytics_default_ahead: PositiveDuration = PositiveDuration(30 * 86400)
    """How far ahead it looks when no `end` is given (upcoming appointments count)."""
    analytics_max_period: PositiveDuration = PositiveDuration(366 * 86400)
    """The longest period one analytics request may cover."""


def weak_health_token(config: MetricsConfig) -> list[Finding]:
    """The health token, if set and weak enough to guess (production refuses to start with it)."""
    found = secret_finding(HEALTH_TOKEN_KEY, config.health_token) if config.health_token else None
    return [found] if found else []
