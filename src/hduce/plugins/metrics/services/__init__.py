"""The metrics plugin's services, built once from its env and provided as `metrics`."""

from dataclasses import dataclass

from hduce.core.plugin_env import PluginEnv
from hduce.plugins.metrics.config import MetricsConfig
from hduce.plugins.metrics.services._access import HealthAccess
from hduce.plugins.metrics.services._analyst import ClinicAnalyst
from hduce.plugins.metrics.services._gauges import TaskMetricsMiddleware
from hduce.plugins.metrics.services._probe import HealthProbe
from hduce.plugins.metrics.store import HealthStore


@dataclass(frozen=True)
class MetricsServices:
    """The health probe, who may read its details, and the clinic analyst (the DI key `metrics`)."""

    probe: HealthProbe
    health_access: HealthAccess
    analyst: ClinicAnalyst

    @classmethod
    def build(cls, env: PluginEnv[MetricsConfig]) -> "MetricsServices":
        """The services of the plugin whose env is `env`."""
        return cls(
            probe=HealthProbe(env, HealthStore(env.db)),
            health_access=HealthAccess(env.tokens, env.config.health_token),
            analyst=ClinicAnalyst(env.registry, env.config),
        )


__all__ = [
    "ClinicAnalyst",
    "HealthAccess",
    "HealthProbe",
    "MetricsServices",
    "TaskMetricsMiddleware",
]
