"""The devices plugin's event subscriptions."""

from hduce.contracts.devices import DeviceAlertRaised
from hduce.core.events import EventBus
from hduce.plugins.devices.services import DeviceServices


def subscribe(events: EventBus, services: DeviceServices) -> None:
    """Tell clinicians of each raised alert (a task per event, retried until it is queued)."""
    events.subscribe(DeviceAlertRaised, services.notices.notify, task_name="devices.notify_alert")
