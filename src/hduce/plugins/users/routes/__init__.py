"""HTTP routes of the users plugin: `/users`, `/users/me`, care teams and `/practitioners`."""

from hduce.plugins.users.routes._care_team import CareTeamController
from hduce.plugins.users.routes._practitioners import PractitionerController
from hduce.plugins.users.routes._users import MeController, UserController

ROUTES = (MeController, UserController, CareTeamController, PractitionerController)
"""Every controller of the plugin, mounted under `/api/v1`."""
