"""HTTP routes: the caller's inbox, live stream and preferences; deliveries for admins."""

from hduce.plugins.notifications.routes._deliveries import DeliveryController
from hduce.plugins.notifications.routes._inbox import InboxController
from hduce.plugins.notifications.routes._preferences import PreferencesController

__all__ = ["DeliveryController", "InboxController", "PreferencesController"]
