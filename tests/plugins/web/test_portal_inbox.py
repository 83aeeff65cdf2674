"""The portal's inbox: messages are marked read one by one or all at once; the count follows."""

import re

from hduce.contracts.notifications import Category, Notifier
from tests.plugins.devices.helpers import eventually
from tests.plugins.users.clinic import Clinic
from tests.plugins.web.helpers import signed_in

MARK_ONE = re.compile(r'action="/portal/inbox/([0-9a-f-]+)/read"')
UNREAD = re.compile(r"\((\d+) unread\)")
INBOX_UNREAD = re.compile(r"<p>(\d+) unread</p>")
SENT = (
    "SELECT count(*) FROM delivery WHERE recipient = $1 AND channel = 'in_app' "
    "AND status = 'sent' AND body_text LIKE '% note%' HAVING count(*) = 2"
)


async def test_a_patient_marks_messages_read_and_the_unread_count_goes_down(
    clinic: Clinic,
) -> None:
    patient, browser = await signed_in(clinic, "patient")
    notifier = clinic.context.registry.get(Notifier)

    async def send() -> None:
        async with clinic.context.db.transaction():
            for text in ("First note", "Second note"):
                await notifier.notify(patient.id, "test_message", {"text": text}, Category.GENERAL)

    await clinic.in_app(send)
    await eventually(clinic, SENT, patient.id)
    assert UNREAD.search((await browser.get("/portal")).text), "the portal shows the count"
    # Each page is read on its own: a notice of the sign-in may still arrive in between.
    inbox = await browser.get("/portal/inbox")
    ids = MARK_ONE.findall(inbox.text)
    assert len(ids) == unread_on(inbox.text) >= 2, inbox.text
    assert 'action="/portal/inbox/read-all"' in inbox.text
    assert re.search(r"</time> \([A-Za-z_/+-]+\)", inbox.text), "a message's time names its zone"
    _, stranger = await signed_in(clinic, "patient")
    theft = await stranger.submit(f"/portal/inbox/{ids[0]}/read", {}, page="/portal")
    assert theft.status_code == 404
    one = await browser.submit(f"/portal/inbox/{ids[0]}/read", {}, page="/portal")
    assert one.status_code == 303, one.text
    page = (await browser.get("/portal/inbox")).text
    left = MARK_ONE.findall(page)
    assert ids[0] not in left and set(ids[1:]) <= set(left)
    assert unread_on(page) == len(left)
    every = await browser.submit("/portal/inbox/read-all", {}, page="/portal")
    assert every.status_code == 303, every.text
    after = await browser.get("/portal/inbox")
    assert "0 unread" in after.text
    assert MARK_ONE.findall(after.text) == []


def unread_on(inbox: str) -> int:
    """The unread count the inbox page shows."""
    found = INBOX_UNREAD.search(inbox)
    assert found, inbox
    return int(found[1])
