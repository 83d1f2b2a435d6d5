"""enrol_many: do_enrol_member's rules for a batch, with the same answers as the records sent one after
the other (the phone splits its queue into batches however it likes)."""

import uuid

import pytest
from django.db import transaction

from gonghui.core.errors import DomainError
from gonghui.members.actions import EnrolmentData, EnrolmentRequest, enrol_many
from gonghui.members.models import Channel, Membership, Person, Transfer
from gonghui.members.tests.test_enrol_member import LI, enrol, resident_id
from gonghui.orgs.actions import do_create_org_unit
from gonghui.orgs.models import OrgUnit

PHONE = "13812345678"

OTHER = resident_id("11011219980520111")


def batch(p, requests, *, user=None, channel=Channel.STAFF_MOBILE):  # type: ignore[no-untyped-def]
    with transaction.atomic():
        results = enrol_many(acting_user=user or p.collector, channel=channel, requests=requests)
    return [r.code if isinstance(r, DomainError) else r.kind for r in results]


def request(p, *, rid=LI, phone="", union="BJ-TZ-YS-YR", client_uuid=None):  # type: ignore[no-untyped-def]
    data = EnrolmentData(name="李春贵", resident_id=rid, phone=phone)
    return EnrolmentRequest(p.unit(union), data, True, client_uuid or uuid.uuid4())


def test_it_answers_already_member_before_looking_at_a_transfer_out(personas):
    """Active here, with a transfer to a union the collector cannot see pending: sending the worker's
    record here again is "already a member", not a refusal that hints at the other union."""
    p = personas
    enrol(p)  # active in 云锐, by the chair at the console
    haidian = do_create_org_unit(
        acting_user=p.haidian_officer,
        parent=p.unit("BJ-HD-GJK"),
        code="HD-X",
        name="新意工会",
        kind=OrgUnit.Kind.GRASSROOTS,
    )
    enrol(p, haidian, user=p.haidian_officer)
    assert Transfer.objects.filter(status="PROPOSED").count() == 1

    assert batch(p, [request(p)]) == ["already_member"]


@pytest.mark.parametrize("together", [True, False])
def test_it_warns_of_a_shared_phone_only_when_the_phone_was_stored(personas, together):
    p = personas
    first = request(p)  # no phone
    again = request(p, phone=PHONE)  # merged: a phone record never changes the stored person
    other = request(p, rid=OTHER, phone=PHONE)
    records = [first, again, other]
    kinds = batch(p, records) if together else [batch(p, [r])[0] for r in records]

    assert kinds == ["created", "merged", "created"]
    assert not Person.objects.get(name="李春贵", birth_date__year=1999).phone
    newcomer = Membership.objects.get(person__birth_date__year=1998)
    assert "phone_shared" not in newcomer.warnings


def test_it_answers_a_repeated_record_id_from_what_its_first_copy_became(personas):
    p = personas
    record_id = uuid.uuid4()
    good = request(p, client_uuid=record_id)
    damaged = request(p, rid=LI[:-1] + ("0" if LI[-1] != "0" else "1"), client_uuid=record_id)

    assert batch(p, [good, damaged]) == ["created", "replayed"]
    assert Membership.objects.count() == 1


def test_it_lets_a_later_copy_through_when_the_first_was_refused(personas):
    p = personas
    record_id = uuid.uuid4()
    damaged = request(p, rid=LI[:-1] + ("0" if LI[-1] != "0" else "1"), client_uuid=record_id)
    good = request(p, client_uuid=record_id)

    assert batch(p, [damaged, good]) == ["resident_id_checksum", "created"]


def test_it_plans_a_person_new_in_the_batch_through_every_outcome(personas):
    """An officer's batch: created in 云锐 (active), then proposed for transfer to 三标段, then already a
    member of 云锐, then merged into the 三标段 application — as if entered one after the other."""
    p = personas
    kinds = batch(
        p,
        [
            request(p),
            request(p, union="BJ-TZ-LY-SB3", phone=PHONE),
            request(p),
            request(p, union="BJ-TZ-LY-SB3"),
        ],
        user=p.tongzhou_officer,
        channel=Channel.CONSOLE,
    )

    assert kinds == ["created", "transfer_proposed", "already_member", "merged"]
    assert sorted(Membership.objects.values_list("union__code", "status")) == [
        ("BJ-TZ-LY-SB3", "PENDING"),
        ("BJ-TZ-YS-YR", "ACTIVE"),
    ]
    transfer = Transfer.objects.select_related("from_membership__union", "to_membership__union").get()
    assert (transfer.from_membership.union.code, transfer.to_membership.union.code) == (
        "BJ-TZ-YS-YR",
        "BJ-TZ-LY-SB3",
    )
    assert Person.objects.get().phone == PHONE  # an officer may complete the person


def test_it_saves_every_field_a_merge_may_fill():
    from gonghui.members.actions.enrolment import MERGE_UPDATE_FIELDS, _membership_fields

    fillable = _membership_fields(EnrolmentData(name="李春贵", resident_id=LI))
    assert set(MERGE_UPDATE_FIELDS) == {"warnings", *fillable}
