"""The users plugin: profiles, `/users/me`, the directory, care teams and user management."""

from collections.abc import Sequence

from litestar.di import Provide
from litestar.types import ControllerRouterHandler

from hduce.contracts.users import CareTeams, DemographicsReader, Profiles, UserDirectory
from hduce.core.context import AppContext
from hduce.core.personal_data import RowQueries
from hduce.core.plugin import HducePlugin
from hduce.plugins.users.admin import UserAdminService
from hduce.plugins.users.care_team import CareTeamService
from hduce.plugins.users.care_team_routes import CareTeamController
from hduce.plugins.users.config import UsersConfig
from hduce.plugins.users.demographics import DemographicsStore
from hduce.plugins.users.directory import Directory
from hduce.plugins.users.export import DataExporter
from hduce.plugins.users.personal_data import PROFILE_DATA
from hduce.plugins.users.practitioner_routes import PractitionerController
from hduce.plugins.users.practitioners import PractitionerDirectory
from hduce.plugins.users.profiles import ProfileStore
from hduce.plugins.users.routes import MeController, UserController
from hduce.plugins.users.service import UsersService


class UsersPlugin(HducePlugin):
    """Patient and practitioner profiles, `/users/me`, admin user management."""

    name = "users"
    description = "Profiles, /users/me and admin user management"
    requires = ("auth",)
    config_type = UsersConfig

    def setup(self, context: AppContext) -> None:
        """Build the services and register the users plugin's contracts."""
        super().setup(context)
        assert isinstance(self.config, UsersConfig)
        profiles = ProfileStore(context.db, context.events)
        self.service = UsersService(context.registry, profiles)
        self.admin = UserAdminService(context.registry, profiles, self.config.max_page_size)
        context.registry.provide(Profiles, profiles)
        context.registry.provide(UserDirectory, Directory(context.registry, profiles))
        context.registry.provide(DemographicsReader, DemographicsStore(context.db))
        self.care_team = CareTeamService(context.db, context.registry, profiles)
        context.registry.provide(CareTeams, self.care_team)
        context.registry.add_personal_data_source("profile", RowQueries(context.db, PROFILE_DATA))
        self.practitioners = PractitionerDirectory(context.db, self.config.max_page_size)
        self.exporter = DataExporter(context.registry)

    def route_handlers(self) -> Sequence[ControllerRouterHandler]:
        """`/users/me`, `/users`, care teams and `/practitioners`."""
        return (MeController, UserController, CareTeamController, PractitionerController)

    def dependencies(self) -> dict[str, Provide]:
        """Provide each users service under its `users_*` key."""
        return {
            "users_service": Provide(self._provide_service, sync_to_thread=False, use_cache=True),
            "users_admin": Provide(self._provide_admin, sync_to_thread=False, use_cache=True),
            "users_care_team": Provide(
                self._provide_care_team, sync_to_thread=False, use_cache=True
            ),
            "users_practitioners": Provide(
                self._provide_practitioners, sync_to_thread=False, use_cache=True
            ),
            "users_exporter": Provide(self._provide_exporter, sync_to_thread=False, use_cache=True),
        }

    def _provide_service(self) -> UsersService:
        return self.service

    def _provide_admin(self) -> UserAdminService:
        return self.admin

    def _provide_care_team(self) -> CareTeamService:
        return self.care_team

    def _provide_practitioners(self) -> PractitionerDirectory:
        return self.practitioners

    def _provide_exporter(self) -> DataExporter:
        return self.exporter
