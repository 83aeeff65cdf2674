"""Scopes per role, including a clinical kind such as the documents that will join later."""

import uuid

import pytest

from hduce.contracts.auth import CLINICAL_ROLES, STAFF_ROLES
from hduce.core.security import Principal
from hduce.plugins.search.services._access import scope_for
from hduce.plugins.search.services.backends.meilisearch import scope_filter
from hduce.plugins.search.store._sql import scope_condition

READERS = {"patient": STAFF_ROLES, "appointment": STAFF_ROLES, "document": CLINICAL_ROLES}
KINDS = tuple(READERS)


@pytest.mark.parametrize(
    ("roles", "every", "own"),
    [
        ({"patient"}, (), KINDS),
        ({"receptionist"}, ("patient", "appointment"), ()),
        ({"admin"}, ("patient", "appointment"), ()),
        ({"nurse"}, KINDS, ()),
        ({"doctor"}, KINDS, ()),
        ({"receptionist", "patient"}, ("patient", "appointment"), ("document",)),
        (set(), (), ()),
    ],
)
def test_scope_per_role(roles: set[str], every: tuple[str, ...], own: tuple[str, ...]) -> None:
    principal = Principal(id=uuid.uuid4(), roles=frozenset(roles))
    scope = scope_for(principal, READERS, KINDS)
    assert (scope.every, scope.own) == (every, own)
    assert scope.empty is (not every and not own)


def test_both_backends_express_the_same_scope() -> None:
    user = uuid.uuid4()
    principal = Principal(id=user, roles=frozenset({"receptionist", "patient"}))
    scope = scope_for(principal, READERS, KINDS)
    condition, args = scope_condition(scope, 5)
    assert (
        condition == "e.kind = ANY($5::text[]) OR (e.patient_id = $6 AND e.kind = ANY($7::text[]))"
    )
    assert args == [["patient", "appointment"], user, ["document"]]
    assert scope_filter(scope) == (
        f"kind IN ['patient', 'appointment'] OR (patient_id = '{user}' AND kind IN ['document'])"
    )
