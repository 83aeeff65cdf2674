"""A form refused on several fields at once marks every one of them, each with its reason."""

import html
import re

from httpx import Response

from tests.plugins.users.clinic import Clinic
from tests.plugins.web.helpers import signed_in

FIELD_REASON = re.compile(
    r'<p class="error field-error" id="error-(\w+)" data-field="\1">(.*?)</p>'
)


def reasons(answer: Response) -> dict[str, str]:
    """Each refused field's own reason on the page, by field name."""
    return {name: html.unescape(said) for name, said in FIELD_REASON.findall(answer.text)}


async def test_quiet_hours_refused_at_both_ends_mark_both(clinic: Clinic) -> None:
    # Seen: a bad start and a bad end marked the start alone; the end's reason was not said.
    _, browser = await signed_in(clinic, "patient")
    url = "/portal/notifications"
    times = {"quiet_start": "25:00", "quiet_end": "7pm"}
    answer = await browser.submit(url, times, page=url)
    assert answer.status_code == 422, answer.text
    assert 'data-fields="quiet_start quiet_end"' in answer.text
    assert "2 fields need changing" in answer.text
    assert reasons(answer) == {
        "quiet_start": "The start of quiet hours is not a time like 22:00",
        "quiet_end": "The end of quiet hours is not a time like 07:00",
    }
    assert 'value="25:00"' in answer.text and 'value="7pm"' in answer.text
    alone = await browser.submit(url, {"quiet_start": "25:00", "quiet_end": "07:00"}, page=url)
    assert 'data-fields="quiet_start"' in alone.text
    assert reasons(alone) == {}  # one field: the reason above the form is its reason


async def test_a_waitlist_wish_refused_on_every_field_marks_every_one(clinic: Clinic) -> None:
    _, browser = await signed_in(clinic, "patient")
    url = "/portal/waitlist"
    wish = {"offer": "", "from_date": "1800-01-01", "to_date": "3000-01-01"}
    answer = await browser.submit(url, wish, page=url)
    assert answer.status_code == 422, answer.text
    assert 'data-fields="offer from_date to_date"' in answer.text
    said = reasons(answer)
    assert list(said) == ["offer", "from_date", "to_date"]
    assert said["from_date"] == "The first day must be between 1900-01-01 and 2999-12-31"
    assert said["to_date"] == "The last day must be between 1900-01-01 and 2999-12-31"
