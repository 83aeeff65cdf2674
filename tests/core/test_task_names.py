"""Task names and event names belong to one subscription and one Event class: a clash is refused."""

import pytest

from hduce.bootstrap import build_context, setup_plugins
from hduce.core.config import ConfigError, Settings
from hduce.core.context import AppContext
from hduce.core.events import Event, EventMeta
from hduce.core.plugin import HducePlugin
from tests.support.context import isolated
from tests.support.probe import ProbePlugin, ProbeRequested


class Impostor(Event, frozen=True):
    """Another plugin's event, named like the probe's."""

    name = "probe.requested"
    note: str = ""


class Other(Event, frozen=True):
    """An event of the thief's own."""

    name = "thief.other"


async def take(event: Event, meta: EventMeta) -> None:
    """The thief's handler."""


class ThiefPlugin(HducePlugin):
    """Subscribes `event` with `task_name`, or declares `task_name` on the broker directly."""

    name = "thief"

    def __init__(self, event: type[Event], task_name: str, *, direct: bool = False) -> None:
        super().__init__()
        self.event, self.task_name, self.direct = event, task_name, direct

    def setup(self, context: AppContext) -> None:
        super().setup(context)
        if self.direct:
            context.broker.register_task(take, task_name=self.task_name)
        else:
            self.env.events.subscribe(self.event, take, task_name=self.task_name)


def refusal(settings: Settings, thief: ThiefPlugin) -> str:
    """The one-line start-up error of the probe plugin set up beside `thief`."""
    settings = isolated(settings)
    context = build_context(settings, "web", settings.database.url, settings.nats.url)
    with pytest.raises(ConfigError) as refused:
        setup_plugins(context, [ProbePlugin(), thief])
    message = str(refused.value)
    assert "\n" not in message
    return message


def test_a_task_name_subscribed_twice_is_refused(settings: Settings) -> None:
    """Regression: a plugin subscribing with `task_name="webhooks.deliver"` replaced webhooks'
    task: every delivery ran the other plugin's handler and ended as a dead letter."""
    message = refusal(settings, ThiefPlugin(Other, "probe.record"))
    assert "task 'probe.record'" in message
    assert "tests.core.test_task_names.take" in message
    assert "tests.support.probe.record_probe" in message


def test_a_task_declared_on_the_broker_under_a_subscriptions_name_is_refused(
    settings: Settings,
) -> None:
    message = refusal(settings, ThiefPlugin(Other, "probe.record", direct=True))
    assert "task 'probe.record'" in message


def test_an_event_name_of_another_event_class_is_refused(settings: Settings) -> None:
    """Regression: an event class named `user.registered` reached every subscriber of the real
    one, whose handlers failed to read it."""
    message = refusal(settings, ThiefPlugin(Impostor, "thief.take"))
    assert "event name 'probe.requested'" in message
    assert "tests.core.test_task_names.Impostor" in message
    assert "tests.support.probe.ProbeRequested" in message


def test_a_plugin_names_its_tasks_after_itself(settings: Settings) -> None:
    message = refusal(settings, ThiefPlugin(Other, "other.take"))
    assert "task 'other.take'" in message
    assert "plugin 'thief' names its tasks thief.<verb>" in message


def test_one_event_class_may_have_many_tasks(settings: Settings) -> None:
    settings = isolated(settings)
    context = build_context(settings, "web", settings.database.url, settings.nats.url)
    setup_plugins(context, [ProbePlugin(), ThiefPlugin(ProbeRequested, "thief.take")])
    assert [s.task_name for s in context.events.subscribers("probe.requested")] == [
        "probe.record",
        "thief.take",
    ]
