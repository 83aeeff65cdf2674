"""Tables of the users plugin: one profile per account, and patients' care teams."""

from piccolo.columns import UUID, Date, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from hduce.core.tables import account_key


class Profile(Table, tablename="profile"):
    """Demographics of a patient and professional details of a practitioner."""

    id = UUID(primary_key=True)
    account = account_key(unique=True)
    first_name = Varchar(length=100)
    last_name = Varchar(length=100)
    phone = Varchar(length=32, null=True, default=None)
    date_of_birth = Date(null=True, default=None)
    address = Text(null=True, default=None)
    emergency_contact_name = Varchar(length=200, null=True, default=None)
    emergency_contact_phone = Varchar(length=32, null=True, default=None)
    specialty = Varchar(length=100, null=True, default=None)
    institution = Varchar(length=200, null=True, default=None)
    licence_number = Varchar(length=64, null=True, default=None)
    timezone = Varchar(length=64, default="UTC")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class CareTeamMember(Table, tablename="care_team_member"):
    """A doctor or nurse who looks after a patient (one row per patient and clinician)."""

    id = UUID(primary_key=True)
    patient = account_key(index=True)
    clinician = account_key(index=True)
    added_by = UUID()
    added_at = Timestamptz(default=TimestamptzNow())
