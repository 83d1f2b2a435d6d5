"""Writes of members, by topic: enrolment (every way in), review, transfers, roster imports and exports.
Each do_* function is one durable transaction with one audit event; the names are re-exported here so
`from gonghui.members.actions import do_enrol_member` works whatever module holds it."""

from gonghui.members.actions.enrolment import (
    MERGE_UPDATE_FIELDS,
    PERSON_FIELDS,
    RANK_ENROL,
    RANK_REVIEW,
    WARNING_PHONE_SHARED,
    AreaCodeUnknown,
    ConsentRequired,
    EnrolmentData,
    EnrolmentOutcome,
    EnrolmentRequest,
    NotAMemberUnion,
    PendingElsewhere,
    RecordIdTaken,
    do_enrol_member,
    enrol_many,
)
from gonghui.members.actions.exports import do_request_member_export
from gonghui.members.actions.review import (
    AlreadyActiveElsewhere,
    BulkApproval,
    NotPending,
    ReasonRequired,
    do_approve_membership,
    do_bulk_approve_memberships,
    do_reject_membership,
)
from gonghui.members.actions.rosters import (
    ImportNotReady,
    RosterUnionNotAllowed,
    do_import_roster_rows,
    do_request_roster_commit,
    do_upload_roster,
)
from gonghui.members.actions.transfers import TransferNotOpen, do_decide_transfer

__all__ = [
    "MERGE_UPDATE_FIELDS",
    "PERSON_FIELDS",
    "RANK_ENROL",
    "RANK_REVIEW",
    "WARNING_PHONE_SHARED",
    "AlreadyActiveElsewhere",
    "AreaCodeUnknown",
    "BulkApproval",
    "ConsentRequired",
    "EnrolmentData",
    "EnrolmentOutcome",
    "EnrolmentRequest",
    "ImportNotReady",
    "NotAMemberUnion",
    "NotPending",
    "PendingElsewhere",
    "ReasonRequired",
    "RecordIdTaken",
    "RosterUnionNotAllowed",
    "TransferNotOpen",
    "do_approve_membership",
    "do_bulk_approve_memberships",
    "do_decide_transfer",
    "do_enrol_member",
    "do_import_roster_rows",
    "do_reject_membership",
    "do_request_member_export",
    "do_request_roster_commit",
    "do_upload_roster",
    "enrol_many",
]
