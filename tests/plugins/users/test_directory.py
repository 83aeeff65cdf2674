"""The `Profiles` and `UserDirectory` contracts as other plugins use them."""

import uuid

from hduce.contracts.users import ContactDetails, ProfileFields, Profiles, UserDirectory
from hduce.plugins.users.tables import Profile
from tests.plugins.users.clinic import Clinic


class RolledBack(Exception):
    pass


async def test_create_profile_joins_the_callers_transaction(clinic: Clinic) -> None:
    account_id = uuid.uuid4()
    profiles = clinic.context.registry.get(Profiles)

    async def register_then_fail() -> None:
        async with clinic.context.db.transaction():
            await Profile.raw(
                "INSERT INTO account (id, email, username, password_hash, roles) "
                "VALUES ({}, {}, {}, 'x', {})",
                account_id,
                f"{account_id.hex}@example.test",
                f"tx_{account_id.hex[:20]}",
                ["patient"],
            )
            await profiles.create_profile(account_id, ProfileFields(first_name="A", last_name="B"))
            raise RolledBack

    try:
        await clinic.in_app(register_then_fail)
    except RolledBack:
        pass
    else:
        raise AssertionError("the transaction was not rolled back")
    assert await clinic.fetch("SELECT 1 FROM profile WHERE account = $1", account_id) == []
    assert await clinic.fetch("SELECT 1 FROM account WHERE id = $1", account_id) == []


async def test_create_profile_stores_registration_fields(clinic: Clinic) -> None:
    member = await clinic.member(
        "doctor",
        first_name="Gregory",
        last_name="House",
        phone="+1 609 555 0100",
        specialty="Diagnostics",
        institution="Princeton-Plainsboro",
    )
    (row,) = await clinic.fetch("SELECT * FROM profile WHERE account = $1", member.id)
    assert (row["first_name"], row["last_name"], row["phone"]) == (
        "Gregory",
        "House",
        "+1 609 555 0100",
    )
    assert (row["specialty"], row["institution"], row["timezone"]) == (
        "Diagnostics",
        "Princeton-Plainsboro",
        "UTC",
    )


async def test_directory_merges_account_and_profile(clinic: Clinic) -> None:
    member = await clinic.member("patient", "nurse", first_name="Mary", phone="+44 1632 960000")
    await clinic.client.put(
        "/api/v1/users/me", json={"timezone": "Europe/London"}, headers=member.headers
    )
    directory = clinic.context.registry.get(UserDirectory)
    entry = await clinic.in_app(directory.get, member.id)
    assert entry is not None
    assert (entry.id, entry.email, entry.username, entry.status) == (
        member.id,
        member.email,
        member.username,
        "active",
    )
    assert entry.roles == frozenset({"patient", "nurse"})
    assert (entry.first_name, entry.last_name, entry.phone, entry.timezone) == (
        "Mary",
        "Member",
        "+44 1632 960000",
        "Europe/London",
    )
    assert await clinic.in_app(directory.get, uuid.uuid4()) is None


async def test_find_by_email_matches_emails_only(clinic: Clinic) -> None:
    member = await clinic.member("patient", first_name="Finn")
    directory = clinic.context.registry.get(UserDirectory)
    entry = await clinic.in_app(directory.find_by_email, member.email.upper())
    assert entry is not None and (entry.id, entry.first_name) == (member.id, "Finn")
    assert await clinic.in_app(directory.find_by_email, member.username) is None
    assert await clinic.in_app(directory.find_by_email, "nobody@example.test") is None


async def test_contact_details(clinic: Clinic) -> None:
    member = await clinic.member(
        "patient", first_name="Cleo", last_name="Tact", phone="+3312345678"
    )
    directory = clinic.context.registry.get(UserDirectory)
    assert await clinic.in_app(directory.contact, member.id) == ContactDetails(
        user_id=member.id,
        email=member.email,
        first_name="Cleo",
        last_name="Tact",
        phone="+3312345678",
        timezone="UTC",
    )
    assert await clinic.in_app(directory.contact, uuid.uuid4()) is None
