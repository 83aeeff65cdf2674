"""With the web plugin, which answers unknown addresses with pages, /fhir keeps its outcomes.

Its own clinic (the web plugin on): not beside another module's running clinic.
"""

import msgspec

from hduce.core.config import Settings
from tests.plugins.fhir.conftest import fhir_settings
from tests.plugins.fhir.test_patients import BASE, outcome
from tests.plugins.fhir.test_routing_errors import NOBODY
from tests.plugins.users.clinic import running_clinic


async def test_with_the_web_pages_on_fhir_addresses_still_answer_outcomes(
    settings: Settings,
) -> None:
    # The web plugin answers unknown addresses with pages: it must not take /fhir's.
    base = fhir_settings(settings)
    plugins = msgspec.structs.replace(base.plugins, enabled=(*base.plugins.enabled, "web"))
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    async with running_clinic(msgspec.structs.replace(base, plugins=plugins)) as clinic:
        outcome(await clinic.client.get(f"{BASE}/Encounter", headers=browser), 404)
        outcome(await clinic.client.delete(f"{BASE}/Patient/{NOBODY}", headers=browser), 405)
        page = await clinic.client.get("/nothing-here", headers=browser)
        assert page.status_code == 404
        assert page.headers["content-type"].startswith("text/html")
