"""`PluginEnv`: what a plugin's services are built from, made once in `setup()`."""

from dataclasses import dataclass
from typing import Generic, TypeVar

from hduce.core.config import ConfigError, Section, Settings
from hduce.core.context import AppContext, ProcessRole
from hduce.core.db import Database
from hduce.core.events import EventBus
from hduce.core.registry import Late, Registry
from hduce.core.security import TokenService
from hduce.core.supervision import Supervisor
from hduce.core.tasks import TaskBroker

ConfigT = TypeVar("ConfigT", bound=Section)
ContractT = TypeVar("ContractT")


class MissingContract(ConfigError):
    """A plugin requires a contract no plugin set up before it provides (a start-up error)."""


@dataclass(frozen=True)
class PluginEnv(Generic[ConfigT]):
    """One plugin's view of the process: its config, the database, events, tasks and contracts.

    Services receive this (or the exact collaborators they use), never the `AppContext`.
    """

    plugin: str
    config: ConfigT
    settings: Settings
    role: ProcessRole
    db: Database
    events: EventBus
    tasks: TaskBroker
    tokens: TokenService
    supervisor: Supervisor
    registry: Registry

    @classmethod
    def of(cls, plugin: str, config: ConfigT, context: AppContext) -> "PluginEnv[ConfigT]":
        """The env of `plugin` in the process described by `context`."""
        return cls(
            plugin=plugin,
            config=config,
            settings=context.settings,
            role=context.role,
            db=Database(context.db),
            events=context.events.owned_by(plugin),
            tasks=context.broker,
            tokens=context.tokens,
            supervisor=context.supervisor,
            registry=context.registry,
        )

    def require(self, contract: type[ContractT]) -> ContractT:
        """The provider of `contract`, resolved now: call it in `setup()`, keep the result.

        Raises `MissingContract` naming this plugin and the contract when no plugin set up
        before this one provides it: its owner may be disabled, or enabled but set up later
        (this plugin lacks it in `requires` or `after`).
        """
        if not self.registry.provides(contract):
            raise MissingContract(
                f"plugin {self.plugin!r} requires {contract.__qualname__}, which no plugin set up"
                " before it provides: enable its owner and add it to this plugin's `requires`"
                " or `after`"
            )
        return self.registry.get(contract)

    def optional(self, contract: type[ContractT]) -> Late[ContractT]:
        """A provider that may register after this plugin's setup, or never (e.g. push)."""
        return self.registry.optional(contract)

    @property
    def is_web(self) -> bool:
        """Whether this is the web process (lifespans, the MQTT broker) rather than a worker."""
        return self.role == "web"
