"""The users plugin: profiles, `/users/me`, the directory, care teams and user management."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from hduce.core.plugin import HducePlugin
from hduce.plugins.users.config import UsersConfig

if TYPE_CHECKING:
    from litestar.di import Provide
    from litestar.types import ControllerRouterHandler

    from hduce.core.context import AppContext


class UsersPlugin(HducePlugin):
    """Patient and practitioner profiles, `/users/me`, admin user management."""

    name = "users"
    description = "Profiles, /users/me and admin user management"
    requires = ("audit", "auth")
    config_type = UsersConfig

    def setup(self, context: AppContext) -> None:
        """Build the services and register the users plugin's contracts."""
        from hduce.contracts.users import (
            CareTeams,
            DemographicsReader,
            MyAccount,
            Profiles,
            UserDirectory,
            UserListing,
        )
        from hduce.core.personal_data import RowQueries
        from hduce.plugins.users.personal_data import PROFILE_DATA
        from hduce.plugins.users.services import UsersServices
        from hduce.plugins.users.services._own import OwnAccount
        from hduce.plugins.users.store import DemographicsStore

        super().setup(context)
        env = self.env
        self.services = UsersServices.build(env)
        env.registry.provide(Profiles, self.services.profile_store)
        env.registry.provide(UserDirectory, self.services.directory)
        env.registry.provide(DemographicsReader, DemographicsStore(env.db))
        env.registry.provide(CareTeams, self.services.care_team)
        env.registry.provide(UserListing, self.services.admin)
        env.registry.provide(MyAccount, OwnAccount(self.services.profiles, self.services.exporter))
        env.registry.add_personal_data_source("profile", RowQueries(env.db, PROFILE_DATA))

    def route_handlers(self) -> Sequence[ControllerRouterHandler]:
        """`/users/me`, `/users`, care teams and `/practitioners`."""
        from hduce.plugins.users.routes import ROUTES

        return ROUTES

    def dependencies(self) -> dict[str, Provide]:
        """Provide the services bundle as `users`."""
        return self.provide_as_name(self.services)
