"""What every plugin's `setup` receives: settings and the shared services of the process."""

from dataclasses import dataclass, field
from typing import Literal

from hduce.core.config import Settings
from hduce.core.db import HduceEngine
from hduce.core.events import EventBus
from hduce.core.registry import Registry
from hduce.core.security import TokenService
from hduce.core.supervision import Supervisor
from hduce.core.tasks import TaskBroker

ProcessRole = Literal["web", "worker"]


@dataclass(frozen=True)
class AppContext:
    """Settings, database, event bus, task broker, registry, tokens and background tasks."""

    settings: Settings
    role: ProcessRole
    db: HduceEngine
    events: EventBus
    broker: TaskBroker
    registry: Registry
    tokens: TokenService
    supervisor: Supervisor = field(default_factory=Supervisor)
