"""The users plugin: profiles, `/users/me`, the user directory and admin user management."""

from hduce.core.context import AppContext
from hduce.core.plugin import HducePlugin
from hduce.plugins.users.config import UsersConfig


class UsersPlugin(HducePlugin):
    """Patient and practitioner profiles, `/users/me`, admin user management."""

    name = "users"
    description = "Profiles, /users/me and admin user management"
    requires = ("auth",)
    config_type = UsersConfig

    def setup(self, context: AppContext) -> None:
        """Build the profile service and register `Profiles` and `UserDirectory`."""
        super().setup(context)
