"""The caller's channel switches and quiet hours."""

from litestar import Controller, get, put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from hduce.core.http import problems
from hduce.core.security import Principal
from hduce.plugins.notifications.schemas import PreferencesBody, PreferencesRead
from hduce.plugins.notifications.services import NotificationsServices, offered_categories


class PreferencesController(Controller):
    """The caller's channel switches and quiet hours."""

    path = "/notifications/preferences"
    tags = ["notifications"]

    @get()
    async def get_preferences(
        self,
        principal: NamedDependency[Principal],
        notifications: NamedDependency[NotificationsServices],
    ) -> PreferencesRead:
        """The caller's effective preferences (defaults filled in).

        `clinical_alerts` is listed for clinicians (doctors, nurses) only: no one else gets them.
        """
        offered = offered_categories(principal.roles)
        return await notifications.preferences.read(principal.id, offered)

    @put(responses=problems(422))
    async def put_preferences(
        self,
        principal: NamedDependency[Principal],
        data: JSONBody[PreferencesBody],
        notifications: NamedDependency[NotificationsServices],
    ) -> PreferencesRead:
        """Merge channel switches (per category); quiet hours left out stay, `null` clears them.

        Security messages always go out by e-mail, clinical alerts by e-mail and in-app:
        `channels.security.email`, `channels.clinical_alerts.email` and `.in_app` are always
        `true`, and turning one off is a 422. Anyone but a clinician naming `clinical_alerts`
        gets a 422 too: those go to clinicians only.
        """
        offered = offered_categories(principal.roles)
        return await notifications.preferences.update(principal.id, data, offered)
