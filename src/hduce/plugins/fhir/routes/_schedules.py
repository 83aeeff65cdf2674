"""`/fhir/R4/PractitionerRole`, `Schedule` and `Slot`: read and search (anyone signed in)."""

from hduce.plugins.fhir.routes._interactions import read_route, search_route
from hduce.plugins.fhir.services import ROLE_PARAMS, SCHEDULE_PARAMS, SLOT_PARAMS, ScheduleService

SCHEDULE_ROUTES = (
    *search_route("PractitionerRole", ROLE_PARAMS, "search_roles", ScheduleService.search_roles),
    read_route("/PractitionerRole/{role_id:str}", "read_role", ScheduleService.role),
    *search_route(
        "Schedule", SCHEDULE_PARAMS, "search_schedules", ScheduleService.search_schedules
    ),
    read_route("/Schedule/{schedule_id:str}", "read_schedule", ScheduleService.schedule),
    *search_route("Slot", SLOT_PARAMS, "search_slots", ScheduleService.search_slots),
    read_route("/Slot/{slot_id:str}", "read_slot", ScheduleService.slot),
)
