"""Routes for the waitlist: join, list, claim an offered slot, leave."""

import uuid

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK

from hduce.core.http import problems
from hduce.core.security import Principal
from hduce.plugins.appointments.schemas import AppointmentRead, WaitlistCreate, WaitlistRead
from hduce.plugins.appointments.services import AppointmentServices
from hduce.plugins.appointments.services._queries import to_read


class WaitlistController(Controller):
    """Patients waiting for a slot to free up."""

    path = "/appointments/waitlist"
    tags = ["appointments"]

    @get()
    async def list_waitlist(
        self,
        principal: NamedDependency[Principal],
        appointments: NamedDependency[AppointmentServices],
    ) -> list[WaitlistRead]:
        """Waiting and offered entries (front desk), else the caller's own entries."""
        return await appointments.waitlist.list_entries(principal)

    @post(responses=problems(403, 409, 422))
    async def join_waitlist(
        self,
        principal: NamedDependency[Principal],
        data: JSONBody[WaitlistCreate],
        appointments: NamedDependency[AppointmentServices],
    ) -> WaitlistRead:
        """Wait for a slot with a practitioner between two dates (patients for themselves)."""
        return await appointments.waitlist.join(principal, data)

    @post("/{entry_id:uuid}/claim", status_code=HTTP_200_OK, responses=problems(404, 409))
    async def claim_offer(
        self,
        principal: NamedDependency[Principal],
        entry_id: FromPath[uuid.UUID],
        appointments: NamedDependency[AppointmentServices],
    ) -> AppointmentRead:
        """Book the slot held for this entry before the hold runs out."""
        return to_read(await appointments.waitlist.claim(principal, entry_id))

    @delete("/{entry_id:uuid}", responses=problems(404, 409))
    async def leave_waitlist(
        self,
        principal: NamedDependency[Principal],
        entry_id: FromPath[uuid.UUID],
        appointments: NamedDependency[AppointmentServices],
    ) -> None:
        """Leave the waitlist; a slot on offer passes to the next patient."""
        await appointments.waitlist.leave(principal, entry_id)
