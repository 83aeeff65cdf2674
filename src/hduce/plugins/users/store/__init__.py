"""All of the users plugin's SQL: profiles, care teams, practitioners and demographics."""

from hduce.plugins.users.store._care_team import AccountFacts, CareTeamStore, Member
from hduce.plugins.users.store._demographics import DemographicsStore
from hduce.plugins.users.store._practitioners import PractitionerStore
from hduce.plugins.users.store._profiles import ProfileData, ProfileStore, like_pattern

__all__ = [
    "AccountFacts",
    "CareTeamStore",
    "DemographicsStore",
    "Member",
    "PractitionerStore",
    "ProfileData",
    "ProfileStore",
    "like_pattern",
]
