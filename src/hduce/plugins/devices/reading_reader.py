"""The `ReadingReader` contract over `ReadingQueries` (same rules, same audit record)."""

import uuid
from datetime import datetime

from hduce.contracts.devices import ReadingView
from hduce.core.security import Principal
from hduce.plugins.devices.readings import ReadingQueries


class Readings:
    """Pages of readings for other plugins (FHIR), through the REST API's query."""

    def __init__(self, queries: ReadingQueries, max_page_size: int) -> None:
        self._queries = queries
        self._max_page_size = max_page_size

    async def page(
        self,
        principal: Principal,
        *,
        patient_id: uuid.UUID | None,
        metric: str | None,
        start: datetime | None,
        end: datetime | None,
        cursor: str | None,
        limit: int,
    ) -> tuple[list[ReadingView], str | None]:
        """Readings newest first and the next page's cursor; audited as `devices.readings_read`."""
        page = await self._queries.page(
            principal,
            patient_id=patient_id,
            metric=metric,
            start=start,
            end=end,
            cursor=cursor,
            limit=min(limit, self._max_page_size),
        )
        views = [
            ReadingView(
                id=r.id,
                device_id=r.device_id,
                patient_id=r.patient_id,
                metric=r.metric,
                value=r.value,
                unit=r.unit,
                measured_at=r.measured_at,
            )
            for r in page.items
        ]
        return views, page.next_cursor
