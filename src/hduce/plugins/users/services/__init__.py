"""The users plugin's services, built once from its env and provided as `users`."""

from dataclasses import dataclass

from hduce.contracts.audit import AuditLog
from hduce.contracts.auth import AccountAdmin, Accounts
from hduce.core.plugin_env import PluginEnv
from hduce.plugins.users.config import UsersConfig
from hduce.plugins.users.services._admin import UserAdminService
from hduce.plugins.users.services._care_team import CareTeamService
from hduce.plugins.users.services._directory import Directory
from hduce.plugins.users.services._export import DataExporter
from hduce.plugins.users.services._me import UserProfiles
from hduce.plugins.users.services._practitioners import PractitionerDirectory
from hduce.plugins.users.store import CareTeamStore, PractitionerStore, ProfileStore


@dataclass(frozen=True)
class UsersServices:
    """Every service of the users plugin, wired together (the DI key `users`)."""

    profile_store: ProfileStore
    profiles: UserProfiles
    admin: UserAdminService
    directory: Directory
    care_team: CareTeamService
    practitioners: PractitionerDirectory
    exporter: DataExporter

    @classmethod
    def build(cls, env: PluginEnv[UsersConfig]) -> "UsersServices":
        """The services of the plugin whose env is `env`, its contracts resolved now."""
        accounts, audit = env.require(Accounts), env.require(AuditLog)
        store = ProfileStore(env.db, env.events)
        max_page_size = env.config.max_page_size
        return cls(
            profile_store=store,
            profiles=UserProfiles(accounts, audit, store),
            admin=UserAdminService(
                env.require(AccountAdmin), accounts, audit, store, max_page_size
            ),
            directory=Directory(accounts, store),
            care_team=CareTeamService(env.db, CareTeamStore(env.db), audit, store),
            practitioners=PractitionerDirectory(PractitionerStore(env.db), max_page_size),
            exporter=DataExporter(accounts, audit, env.registry),
        )


__all__ = [
    "CareTeamService",
    "DataExporter",
    "Directory",
    "PractitionerDirectory",
    "UserAdminService",
    "UserProfiles",
    "UsersServices",
]
