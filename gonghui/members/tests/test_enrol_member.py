import uuid

import pytest
from django.db import IntegrityError, transaction
from stdnum.cn import ric

from gonghui.core.models import AuditEvent
from gonghui.members.actions import (
    AreaCodeUnknown,
    ConsentRequired,
    EnrolmentData,
    PendingElsewhere,
    RecordIdTaken,
    do_approve_membership,
    do_decide_transfer,
    do_enrol_member,
)
from gonghui.members.models import Channel, Membership, Person, Transfer
from gonghui.members.validators import InvalidResidentId
from gonghui.orgs.actions import do_create_org_unit


def resident_id(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


# 110112 is 通州区 since 1997: a 1999 birth there is a known area; a 1990 one gets the area warning.
LI = resident_id("11011219990520241")
WANG = resident_id("11011220010304002")


def enrol(p, union=None, *, rid=LI, name="李春贵", channel=Channel.CONSOLE, user=None, **kw):  # type: ignore[no-untyped-def]
    return do_enrol_member(
        acting_user=user if user is not None else p.chair,
        union=union or p.unit("BJ-TZ-YS-YR"),
        data=EnrolmentData(name=name, resident_id=rid, phone=kw.pop("phone", "")),
        channel=channel,
        consent_given=kw.pop("consent", True),
        **kw,
    )


def test_it_enrols_an_active_member_from_the_console(personas):
    outcome = enrol(personas, phone="13812345678")
    assert outcome.kind == "created"
    membership = outcome.membership
    assert membership.status == "ACTIVE" and membership.joined_date is not None
    person = membership.person
    assert person.birth_date.isoformat() == "1999-05-20" and person.gender == "M"
    assert membership.consents.get().policy_version == "2026-11"


def test_it_queues_a_field_collection_for_review(personas):
    outcome = enrol(personas, channel=Channel.STAFF_MOBILE, user=personas.collector, client_uuid=uuid.uuid4())
    assert outcome.membership.status == "PENDING"
    do_approve_membership(acting_user=personas.chair, membership=outcome.membership)
    outcome.membership.refresh_from_db()
    assert outcome.membership.status == "ACTIVE"


def test_it_stores_a_resent_record_once(personas):
    key = uuid.uuid4()
    first = enrol(personas, channel=Channel.STAFF_MOBILE, user=personas.collector, client_uuid=key)
    again = enrol(personas, channel=Channel.STAFF_MOBILE, user=personas.collector, client_uuid=key)
    assert again.kind == "replayed" and again.membership == first.membership
    assert Membership.objects.count() == 1 and Person.objects.count() == 1


def test_it_needs_consent(personas):
    with pytest.raises(ConsentRequired):
        enrol(personas, consent=False)
    assert not Person.objects.exists()


def test_it_asks_the_officer_to_confirm_an_unknown_area_code(personas):
    old_tongzhou = resident_id("11011219900101123")
    with pytest.raises(AreaCodeUnknown):
        enrol(personas, rid=old_tongzhou)
    outcome = enrol(personas, rid=old_tongzhou, confirm_area_warning=True)
    assert "resident_id_area_unknown" in outcome.membership.warnings


def test_it_proposes_a_transfer_instead_of_a_second_active_membership(personas):
    enrol(personas)
    other = do_create_org_unit(
        acting_user=personas.luyuan_officer,
        parent=personas.unit("BJ-TZ-LY"),
        code="LY-J",
        name="工地联合工会",
        kind="JOINT",
    )
    outcome = enrol(personas, union=other, user=personas.luyuan_officer)
    assert outcome.kind == "transfer_proposed"
    assert outcome.membership.status == "PENDING"
    transfer = outcome.transfer
    assert transfer is not None and transfer.from_membership.union == personas.unit("BJ-TZ-YS-YR")
    # The receiving side (潞源) approves; the old membership ends.
    do_decide_transfer(acting_user=personas.luyuan_officer, transfer=transfer, approve=True)
    statuses = dict(Membership.objects.values_list("union__code", "status"))
    assert statuses == {"BJ-TZ-YS-YR": "TRANSFERRED_OUT", "LY-J": "ACTIVE"}
    assert Transfer.objects.get().status == "APPROVED"


def test_it_merges_a_second_application_into_the_pending_one(personas):
    first = enrol(personas, channel=Channel.SELF_SERVICE, user=None)
    second = enrol(
        personas, channel=Channel.STAFF_MOBILE, user=personas.collector, name="李春桂", phone="13912345678"
    )
    assert second.kind == "merged" and second.membership == first.membership
    person = Person.objects.get()
    assert person.name == "李春贵"  # never silently overwritten
    assert person.phone is None  # a phone upload does not complete a stored person either...
    assert {"field_differs:name", "field_differs:phone"} <= set(second.membership.warnings)  # ...it flags
    assert second.membership.consents.count() == 2


def test_it_lets_an_officer_complete_a_stored_person(personas):
    enrol(personas, channel=Channel.SELF_SERVICE, user=None)
    enrol(personas, channel=Channel.CONSOLE, user=personas.chair, phone="13912345678")
    assert Person.objects.get().phone == "13912345678"


def test_it_does_not_merge_into_an_application_outside_the_actors_area(personas):
    enrol(personas, channel=Channel.SELF_SERVICE, user=None)  # pending at 云锐 (通州)
    from gonghui.orgs.models import OrgUnit

    haidian_union = do_create_org_unit(
        acting_user=personas.haidian_officer,
        parent=personas.unit("BJ-HD-GJK"),
        code="HD-X",
        name="新意工会",
        kind=OrgUnit.Kind.GRASSROOTS,
    )
    with pytest.raises(PendingElsewhere):
        enrol(personas, union=haidian_union, user=personas.haidian_officer)
    membership = Membership.objects.get()
    assert membership.consents.count() == 1 and membership.union.code == "BJ-TZ-YS-YR"


def test_it_answers_a_resent_merged_record_from_its_receipt(personas):
    enrol(personas, channel=Channel.SELF_SERVICE, user=None)
    key = uuid.uuid4()
    first = enrol(personas, channel=Channel.STAFF_MOBILE, user=personas.collector, client_uuid=key)
    again = enrol(personas, channel=Channel.STAFF_MOBILE, user=personas.collector, client_uuid=key)
    assert (first.kind, again.kind) == ("merged", "replayed")
    assert again.membership.consents.count() == 2


def test_it_refuses_another_senders_record_id(personas):
    key = uuid.uuid4()
    enrol(personas, channel=Channel.STAFF_MOBILE, user=personas.collector, client_uuid=key)
    with pytest.raises(RecordIdTaken):
        enrol(personas, rid=WANG, name="王芳", channel=Channel.CONSOLE, user=personas.chair, client_uuid=key)


def test_it_refuses_digits_of_other_scripts(personas):
    arabic_indic = "".join(chr(0x0660 + int(c)) if c.isdigit() else c for c in LI[:2]) + LI[2:]
    with pytest.raises(InvalidResidentId):
        enrol(personas, rid=arabic_indic)


def test_it_warns_when_a_phone_belongs_to_another_id(personas):
    enrol(personas, phone="13812345678")
    outcome = enrol(personas, rid=WANG, name="王芳", phone="13812345678")
    assert "phone_shared" in outcome.warnings


def test_it_says_already_a_member_without_a_duplicate(personas):
    enrol(personas)
    outcome = enrol(personas)
    assert outcome.kind == "already_member"
    assert Membership.objects.count() == 1


def test_the_database_refuses_two_active_memberships(personas):
    membership = enrol(personas).membership
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            person=membership.person,
            union=personas.unit("BJ-TZ-YS-YR"),
            status="ACTIVE",
            channel="CONSOLE",
            applied_at=membership.applied_at,
        )


def test_it_keeps_ids_and_phones_out_of_the_audit_log(personas):
    enrol(personas, phone="13812345678")
    for event in AuditEvent.objects.all():
        text = f"{event.details}{event.object_label}{event.changed_fields}"
        assert LI not in text and "13812345678" not in text
