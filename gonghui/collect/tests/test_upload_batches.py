"""POST /api/v1/collect/uploads/batch: a phone's queue in one signed request, each record answered as
/uploads answers one, all of it in one transaction (see enrol_many)."""

import threading
import uuid

import pytest
from django.db import connection, connections
from django.test import Client

from gonghui.collect.actions import do_revoke_device
from gonghui.collect.models import DeviceUpload
from gonghui.collect.schemas import MAX_BATCH
from gonghui.collect.tests.phone import Phone, paired_phone, record_for, worker_id
from gonghui.core.models import AuditEvent
from gonghui.demo.personas import make_personas
from gonghui.members.models import Consent, EnrolmentReceipt, Membership, Person


@pytest.fixture
def setup(personas):  # type: ignore[no-untyped-def]
    phone, device = paired_phone(personas)
    return personas, phone, device, personas.unit("BJ-TZ-YS-YR")


def test_it_answers_every_record_of_a_batch_in_order(setup):
    p, phone, _, union = setup
    good = [record_for(union.pk, n=n) for n in (1, 2, 3)]
    bad_id = record_for(
        union.pk, n=4, resident_id=worker_id(4)[:-1] + ("0" if worker_id(4)[-1] != "0" else "1")
    )
    foreign = record_for(p.unit("BJ-HD-GJK").pk, n=5)
    records = [good[0], bad_id, good[1], foreign, good[2]]
    before = AuditEvent.objects.count()

    response = phone.send_batch(records)

    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["record_uuid"] for r in results] == [r["record_uuid"] for r in records]
    assert [(r["status"], r["code"]) for r in results] == [
        ("accepted", "created"),
        ("rejected", "resident_id_checksum"),
        ("accepted", "created"),
        ("rejected", "union_not_allowed"),
        ("accepted", "created"),
    ]
    assert Membership.objects.filter(union=union, status="PENDING").count() == 3
    assert Person.objects.count() == 3 and Consent.objects.count() == 3
    logged = dict(DeviceUpload.objects.values_list("client_uuid", "outcome"))
    assert logged == {uuid.UUID(r["record_uuid"]): o for r, o in zip(records, ["ACCEPTED", "REJECTED"] * 2 + ["ACCEPTED"], strict=True)} | {uuid.UUID(good[1]["record_uuid"]): "ACCEPTED"}  # fmt: skip
    events = list(AuditEvent.objects.order_by("pk")[before:].values_list("event_type", flat=True))
    assert events == ["member_enrolled"] * 3 + ["collect_uploads_stored"]
    batch_event = AuditEvent.objects.get(event_type="collect_uploads_stored")
    assert batch_event.details == {"accepted": 3, "rejected": ["resident_id_checksum", "union_not_allowed"]}


def test_it_treats_two_records_for_one_person_in_a_batch_as_sent_one_after_the_other(setup):
    _, phone, _, union = setup
    first = record_for(union.pk, n=7, phone="")
    second = record_for(union.pk, n=7, phone="13812345678")  # same resident ID, a phone added

    results = phone.send_batch([first, second]).json()["results"]

    assert [r["code"] for r in results] == ["created", "merged"]
    assert results[0]["membership_id"] == results[1]["membership_id"]
    assert Person.objects.count() == 1 and Membership.objects.count() == 1
    assert Consent.objects.count() == 2 and EnrolmentReceipt.objects.count() == 2
    # A phone never changes a stored person; the difference waits for the reviewer.
    assert not Person.objects.get().phone
    assert "field_differs:phone" in Membership.objects.get().warnings


def test_it_stores_a_record_repeated_in_a_batch_once(setup):
    _, phone, _, union = setup
    record = record_for(union.pk, n=8)

    results = phone.send_batch([record, record]).json()["results"]

    assert [r["code"] for r in results] == ["created", "replayed"]
    assert Membership.objects.count() == 1 and EnrolmentReceipt.objects.count() == 1


def test_it_answers_a_resent_batch_from_what_was_stored(setup):
    _, phone, _, union = setup
    records = [record_for(union.pk, n=n) for n in range(10, 15)]
    first = phone.send_batch(records).json()["results"]

    again = phone.send_batch(records).json()["results"]

    assert [r["code"] for r in again] == ["replayed"] * 5
    assert [r["membership_id"] for r in again] == [r["membership_id"] for r in first]
    assert Membership.objects.count() == 5 and Person.objects.count() == 5


def test_it_refuses_a_batch_larger_than_the_limit_and_stores_nothing(setup):
    _, phone, _, union = setup
    records = [record_for(union.pk, n=n) for n in range(MAX_BATCH + 1)]

    response = phone.send_batch(records)

    assert response.status_code in (400, 422) and response.json()["code"] == "invalid_input"
    assert not Membership.objects.exists() and not DeviceUpload.objects.exists()


def test_it_refuses_a_revoked_phones_batch_and_logs_every_record(setup):
    p, phone, device, union = setup
    do_revoke_device(acting_user=p.tongzhou_officer, device=device)
    records = [record_for(union.pk, n=n) for n in (20, 21)]

    response = phone.send_batch(records)

    assert response.status_code == 403 and response.json()["code"] == "device_revoked"
    assert not Membership.objects.exists()
    assert sorted(DeviceUpload.objects.values_list("outcome", flat=True)) == ["REFUSED", "REFUSED"]
    assert AuditEvent.objects.filter(event_type="collect_upload_refused").get().details == {
        "code": "device_revoked",
        "records": 2,
    }


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one writer at a time: no race")
@pytest.mark.django_db(transaction=True)
def test_it_stores_each_record_once_when_phones_race_with_the_same_batch():
    """The same queue sent from four threads at once (a phone retrying while its first request is still
    running): each request is answered 200 or 409 — never a 500 —, a 409 stores nothing of its batch,
    and after resending, each record exists exactly once."""
    p = make_personas()
    phone, _ = paired_phone(p)
    union = p.unit("BJ-TZ-YS-YR")
    records = [record_for(union.pk, n=n) for n in range(40, 52)]
    statuses: list[int] = []

    def send() -> None:
        try:
            racer = Phone(key=phone.key, device_id=phone.device_id, client=Client())
            statuses.append(racer.send_batch(records).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert set(statuses) <= {200, 409} and 200 in statuses
    final = phone.send_batch(records).json()["results"]
    assert {r["code"] for r in final} == {"replayed"}
    assert Membership.objects.count() == len(records) == Person.objects.count()
    assert EnrolmentReceipt.objects.count() == len(records)
