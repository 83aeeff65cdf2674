"""Who may upload, see, read, change and delete which documents.

Patients reach their own documents only (another patient's answer 404). Doctors and nurses
reach every document and its content. Admins see metadata (to manage and delete) but not the
content. Receptionists may upload (the front desk scans incoming letters) but read nothing;
like any uploader, they may still change or delete what they uploaded (a letter filed under
the wrong patient is taken back), seeing its metadata only.
"""

import uuid

from hduce.contracts.auth import CLINICAL_ROLES, STAFF_ROLES, Role
from hduce.core.errors import Forbidden, NotFound
from hduce.core.security import Principal
from hduce.plugins.documents.errors import InvalidDocument
from hduce.plugins.documents.store import DocumentRow

CLINICIANS = tuple(sorted(CLINICAL_ROLES))
SEE_ALL = (Role.ADMIN, *CLINICIANS)
READERS = (*SEE_ALL, Role.PATIENT)


def patient_for(principal: Principal, patient_id: uuid.UUID | None, source: str) -> uuid.UUID:
    """Whose document an upload is: staff name any patient, patients upload for themselves.

    `source`: where the request gives `patient_id` (`query`, or `body` for a form), which the
    422 for staff naming no patient names.
    """
    if principal.has_any_role(*STAFF_ROLES):
        if patient_id is None:
            raise InvalidDocument.naming("patient_id", "staff must name the patient", source)
        return patient_id
    if patient_id not in (None, principal.id):
        raise Forbidden("patients upload only their own documents")
    return principal.id


def sees_all(principal: Principal) -> bool:
    """Admins, doctors and nurses see every patient's documents."""
    return principal.has_any_role(*SEE_ALL)


def ensure_visible(principal: Principal, row: DocumentRow | None) -> DocumentRow:
    """The row if the caller may see its metadata; 404 as if it did not exist otherwise."""
    if row is None or row.deleted_at is not None:
        raise NotFound("no such document")
    if principal.id == row.patient or sees_all(principal):
        return row
    if principal.has_any_role(Role.RECEPTIONIST):
        raise Forbidden("receptionists do not read clinical documents")
    raise NotFound("no such document")


def ensure_reachable(principal: Principal, row: DocumentRow | None) -> DocumentRow:
    """As `ensure_visible`, but the uploader always reaches their upload (to edit or delete it)."""
    if row is not None and row.deleted_at is None and principal.id == row.uploaded_by:
        return row
    return ensure_visible(principal, row)


def reads_content(principal: Principal, row: DocumentRow) -> bool:
    """The patient, doctors and nurses read a document's content, text and entities."""
    return principal.id == row.patient or principal.has_any_role(*CLINICIANS)


def ensure_reads_content(principal: Principal, row: DocumentRow) -> None:
    """403 unless the caller may read the content."""
    if not reads_content(principal, row):
        raise Forbidden("only the patient, doctors and nurses read a document's content")


def ensure_may_edit(principal: Principal, row: DocumentRow) -> None:
    """The uploader, doctors, nurses and admins change the title or kind."""
    if principal.id != row.uploaded_by and not sees_all(principal):
        raise Forbidden("only the uploader, doctors, nurses and admins change a document")


def ensure_may_delete(principal: Principal, row: DocumentRow) -> None:
    """The uploader and admins delete a document."""
    if principal.id != row.uploaded_by and not principal.has_any_role(Role.ADMIN):
        raise Forbidden("only the uploader and admins delete a document")
