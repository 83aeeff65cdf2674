"""The device-presence writer through a PostgreSQL outage: one warning, not a traceback a retry."""

import asyncio
import logging

import msgspec
import pytest
from tests.support.faults import fault_app

from hduce.core.config import Settings
from hduce.runtime import EmbeddedPostgres

pytestmark = pytest.mark.faults

PRESENCE_LOG = "storing the presence"


async def test_an_outage_is_one_warning_line_and_its_end_one_info_line(
    fault_settings: Settings, fault_pg: EmbeddedPostgres, caplog: pytest.LogCaptureFixture
) -> None:
    # Each retry (every second) logged `storing the presence of N devices failed` at ERROR
    # with a full traceback, for as long as the database was down.
    sections = fault_settings.plugins.sections
    devices = {**sections.get("devices", {}), "presence_beat": "1s"}  # it writes every second
    plugins = msgspec.structs.replace(
        fault_settings.plugins, sections={**sections, "devices": devices}
    )
    async with fault_app(msgspec.structs.replace(fault_settings, plugins=plugins), []):
        with caplog.at_level(logging.INFO, logger="hduce.devices"):
            await asyncio.to_thread(fault_pg.stop)
            try:
                await asyncio.sleep(4)  # several retries (one a second)
            finally:
                await asyncio.to_thread(fault_pg.start)
            async with asyncio.timeout(15):
                while not any("stored again" in r.getMessage() for r in caplog.records):
                    await asyncio.sleep(0.2)
    ours = [r for r in caplog.records if r.name == "hduce.devices"]
    failed = [r for r in ours if PRESENCE_LOG in r.getMessage()]
    assert len(failed) == 1, [r.getMessage() for r in failed]
    assert failed[0].levelno == logging.WARNING and failed[0].exc_info is None
    assert "\n" not in failed[0].getMessage()
