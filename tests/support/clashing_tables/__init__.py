"""A test plugin whose Piccolo app clashes: its migration creates auth's `account` table again,
or (`CLASHING_APP_NAME=auth`) its app is named like auth's."""

from hduce.core.plugin import HducePlugin


class ClashingTablesPlugin(HducePlugin):
    """Owns nothing but a migration that cannot run."""

    name = "clashing_tables"
    requires = ("auth",)
