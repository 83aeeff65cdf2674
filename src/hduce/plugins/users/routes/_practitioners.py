"""HTTP route of the practitioner directory: `/practitioners`."""

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter

from hduce.contracts.auth import Role
from hduce.core.http import PageOffset, problems
from hduce.core.schemas import Page
from hduce.plugins.users.schemas import PractitionerRead
from hduce.plugins.users.services import UsersServices


class PractitionerController(Controller):
    """The clinic's active doctors and nurses, for anyone signed in."""

    path = "/practitioners"
    tags = ["users"]

    @get(responses=problems(422))
    async def list_practitioners(
        self,
        users: NamedDependency[UsersServices],
        q: FromQuery[str | None] = None,
        specialty: FromQuery[str | None] = None,
        role: FromQuery[Role | None] = None,
        limit: Annotated[int | None, QueryParameter(ge=1)] = None,
        offset: PageOffset = 0,
    ) -> Page[PractitionerRead]:
        """Active doctors and nurses by name; `q` matches a name, `specialty` the specialty.

        Names, roles, specialty and institution only: no contact details. Their ids are the
        `practitioner_id`s of appointment types, availability and slots.
        """
        return await users.practitioners.page(
            text=q, specialty=specialty, role=role, limit=limit, offset=offset
        )
