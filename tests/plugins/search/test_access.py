"""Scopes per role, including a clinical kind such as the documents that will join later."""

import uuid

import pytest

from hduce.contracts.appointments import FRONT_DESK_ROLES
from hduce.contracts.auth import CLINICAL_ROLES, STAFF_ROLES
from hduce.core.security import Principal
from hduce.plugins.search.services._access import scope_for
from hduce.plugins.search.services.backends.meilisearch import scope_filter
from hduce.plugins.search.store._sql import scope_condition

READERS = {"patient": STAFF_ROLES, "appointment": FRONT_DESK_ROLES, "document": CLINICAL_ROLES}
KINDS = tuple(READERS)


@pytest.mark.parametrize(
    ("roles", "every", "own"),
    [
        ({"patient"}, (), KINDS),
        ({"receptionist"}, ("patient", "appointment"), ("document",)),
        ({"admin"}, ("patient", "appointment"), ("document",)),
        # Doctors and nurses: the appointments naming them, as the appointments API shows them.
        ({"nurse"}, ("patient", "document"), ("appointment",)),
        ({"doctor"}, ("patient", "document"), ("appointment",)),
        ({"receptionist", "patient"}, ("patient", "appointment"), ("document",)),
        (set(), (), KINDS),
    ],
)
def test_scope_per_role(roles: set[str], every: tuple[str, ...], own: tuple[str, ...]) -> None:
    principal = Principal(id=uuid.uuid4(), roles=frozenset(roles))
    scope = scope_for(principal, READERS, KINDS)
    assert (scope.every, scope.own) == (every, own)


def test_both_backends_express_the_same_scope() -> None:
    user = uuid.uuid4()
    principal = Principal(id=user, roles=frozenset({"receptionist", "patient"}))
    scope = scope_for(principal, READERS, KINDS)
    condition, args = scope_condition(scope, 5)
    assert condition == (
        "e.kind = ANY($5::text[]) OR ((e.patient_id = $6 OR e.practitioner_id = $6) "
        "AND e.kind = ANY($7::text[]))"
    )
    assert args == [["patient", "appointment"], user, ["document"]]
    assert scope_filter(scope) == (
        "kind IN ['patient', 'appointment'] OR "
        f"((patient_id = '{user}' OR practitioner_id = '{user}') AND kind IN ['document'])"
    )
