"""An example plugin: the clinic's opening hours, greeting the caller by name.

Load it with `[plugins] extra = ["examples.opening_hours:OpeningHoursPlugin"]` and call
`GET /api/v1/opening-hours` signed in. `examples` must be importable: from the repository root,
run `PYTHONPATH=. hduce serve` or `python -m hduce serve` (the `hduce` script alone does not
put the current folder on the path).

Every `hduce` command imports this module, so at module level it imports only its config's base
and `core.plugin`; Litestar, the contract and the schemas are imported where they are used (so
no `from __future__ import annotations`: the route's annotations name what it imported).
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING

from hduce.core.config import Section
from hduce.core.plugin import HducePlugin

if TYPE_CHECKING:
    from litestar.types import ControllerRouterHandler

    from hduce.core.context import AppContext


class OpeningHoursConfig(Section):
    """`[plugins.opening_hours]`."""

    hours: str = "Mon-Fri 08:00-18:00"


class OpeningHoursPlugin(HducePlugin):
    """One route, one config key and one contract: the smallest complete plugin."""

    name = "opening_hours"
    description = "The clinic's opening hours"
    requires = ("auth",)
    config_type = OpeningHoursConfig

    def setup(self, context: "AppContext") -> None:
        """Resolve the one contract the route uses."""
        from hduce.contracts.auth import Accounts

        super().setup(context)
        self.accounts = self.env.require(Accounts)

    def route_handlers(self) -> Sequence["ControllerRouterHandler"]:
        """`GET /api/v1/opening-hours`."""
        from litestar import get
        from litestar.di import NamedDependency

        from hduce.core.schemas import Read
        from hduce.core.security import Principal

        class OpeningHours(Read):
            """When the clinic is open, for whom."""

            hours: str
            for_username: str

        accounts, hours = self.accounts, self.env.config.hours

        @get("/opening-hours", tags=[self.name])
        async def opening_hours(principal: NamedDependency[Principal]) -> OpeningHours:
            """When the clinic is open."""
            account = await accounts.get_account(principal.id)
            return OpeningHours(hours=hours, for_username=account.username if account else "")

        return [opening_hours]
