"""Every collect action writes exactly one audit event and no personal numbers; an upload writes two
(the enrolment's and the upload log's), each in its own transaction."""

import json
import uuid

import pytest

from gonghui.collect import actions
from gonghui.collect.signing import DeviceRevoked
from gonghui.collect.tests.phone import Phone, paired_phone, record_for
from gonghui.core.models import AuditEvent

PHONE_NUMBER = "13812345678"


def _actions(p):  # type: ignore[no-untyped-def]
    """(name -> callable) for every collect action, each on a device registered beforehand if needed."""
    unit = p.unit("BJ-TZ-YS")

    def register():  # type: ignore[no-untyped-def]
        return actions.do_register_device(
            acting_user=p.tongzhou_officer, collector=p.collector, unit=unit, name="机"
        )

    def with_device(run):  # type: ignore[no-untyped-def]
        code = register()
        return lambda: run(code)

    return {
        "register": lambda: register,
        "issue_code": lambda: with_device(
            lambda code: actions.do_issue_pairing_code(acting_user=p.tongzhou_officer, device=code.device)
        ),
        "pair": lambda: with_device(
            lambda code: actions.do_pair_device(token=code.token, public_key=Phone().public_key_b64)
        ),
        "revoke": lambda: with_device(
            lambda code: actions.do_revoke_device(acting_user=p.tongzhou_officer, device=code.device)
        ),
        "refuse_uploads": lambda: with_device(
            lambda code: actions.do_refuse_uploads(
                device=code.device, client_uuids=[uuid.uuid4(), uuid.uuid4()], error=DeviceRevoked()
            )
        ),
    }


@pytest.mark.parametrize("name", ["register", "issue_code", "pair", "revoke", "refuse_uploads"])
def test_it_writes_exactly_one_audit_event_per_action(personas, name):
    action = _actions(personas)[name]()  # prepares what the action needs (its own audit rows come first)
    before = AuditEvent.objects.count()
    action()
    assert AuditEvent.objects.count() == before + 1


def test_it_writes_the_enrolment_and_the_upload_log_for_an_upload(personas):
    phone, _ = paired_phone(personas)
    before = AuditEvent.objects.count()
    phone.send(record_for(personas.unit("BJ-TZ-YS-YR").pk, phone=PHONE_NUMBER))
    events = list(AuditEvent.objects.order_by("pk")[before:].values_list("event_type", "actor_id"))
    assert events == [
        ("member_enrolled", personas.collector.pk),
        ("collect_uploads_stored", personas.collector.pk),
    ]


def test_it_keeps_personal_numbers_out_of_the_audit_log(personas):
    phone, device = paired_phone(personas)
    record = record_for(personas.unit("BJ-TZ-YS-YR").pk, phone=PHONE_NUMBER)
    phone.send(record)
    actions.do_revoke_device(acting_user=personas.tongzhou_officer, device=device)
    phone.send(record_for(personas.unit("BJ-TZ-YS-YR").pk, n=2))
    for event in AuditEvent.objects.all():
        payload = json.dumps([event.details, event.changed_fields, event.object_label], ensure_ascii=False)
        assert PHONE_NUMBER not in payload and record["resident_id"] not in payload


def test_it_covers_every_collect_action():
    import inspect

    found = {name for name, _ in inspect.getmembers(actions, inspect.isfunction) if name.startswith("do_")}
    assert found == {
        "do_register_device", "do_issue_pairing_code", "do_pair_device", "do_revoke_device",
        "do_refuse_uploads", "do_store_uploads", "do_accept_uploads",
    }  # fmt: skip
