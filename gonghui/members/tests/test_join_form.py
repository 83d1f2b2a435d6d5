"""The worker's /join/<token>/ page and the public apply endpoint: the application lands PENDING in the
link's union as SELF_SERVICE with a consent row; bad input gets a clear message and saves nothing."""

import json
import re

import pytest
from django.core.cache import cache
from django.test import Client
from stdnum.cn import ric

from gonghui.core.models import AuditEvent, PhoneCode, SmsMessage
from gonghui.enterprises.models import Worksite
from gonghui.members import join
from gonghui.members.actions import do_enrol_member
from gonghui.members.models import Channel, JoinLink, Membership, Person, Transfer
from gonghui.orgs.actions import do_create_org_unit

PHONE = "13812345678"
BODY = "11011219990520241"
RID = BODY + ric.calc_check_digit(BODY + "0")
OTHER_RID = "11011220010101002" + ric.calc_check_digit("11011220010101002" + "0")


@pytest.fixture(autouse=True)
def _fresh_rate_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def link(personas) -> JoinLink:
    return join.do_create_join_link(acting_user=personas.chair, union=personas.unit("BJ-TZ-YS-YR"))


def last_code() -> str:
    match = re.search(r"(?<!\d)(\d{6})(?!\d)", SmsMessage.objects.order_by("-pk").first().text)  # type: ignore[union-attr]
    assert match is not None
    return match.group(1)


def form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "action": "submit",
        "name": "李春贵",
        "resident_id": RID,
        "phone": PHONE,
        "ethnicity": "汉族",
        "education": "SENIOR_HIGH",
        "political_status": "MASSES",
        "hukou_type": "AGRICULTURAL",
        "is_migrant_worker": "on",
        "employer_name": "北京云锐国际文化传媒有限公司",
        "employment_status": "EMPLOYED",
        "consent": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def request_code(client: Client, link: JoinLink, capture, phone: str = PHONE):  # type: ignore[no-untyped-def]
    with capture(execute=True):
        response = client.post(f"/join/{link.token}/", form(action="send_code", phone=phone, consent=None))
    assert response.status_code == 200
    return response


def test_a_worker_applies_by_qr_and_lands_pending_in_the_union(link, django_capture_on_commit_callbacks):
    worker = Client()
    page = worker.get(f"/join/{link.token}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "北京云锐国际文化传媒有限公司工会" in html and "2026-11" in html  # union and policy version
    sent = request_code(worker, link, django_capture_on_commit_callbacks).content.decode()
    assert "138****5678" in sent and PHONE not in sent.replace(f'value="{PHONE}"', "")
    assert 'value="李春贵"' in sent  # what was typed before asking for the code is kept

    events_before = AuditEvent.objects.count()
    done = worker.post(f"/join/{link.token}/", form(code=last_code()))
    assert done.status_code == 302 and done["Location"] == f"/join/{link.token}/done/"

    membership = Membership.objects.select_related("person").get()
    assert membership.status == Membership.Status.PENDING
    assert membership.union == link.union and membership.channel == Channel.SELF_SERVICE
    assert membership.collected_by is None
    assert membership.employer is not None and membership.employer.union == link.union
    person = membership.person
    assert (person.name, person.phone, person.resident_id) == ("李春贵", PHONE, RID)
    assert person.is_migrant_worker and person.hukou_type == "AGRICULTURAL"
    consent = membership.consents.get()
    assert consent.channel == Channel.SELF_SERVICE and consent.policy_version == "2026-11"
    # One event for the code check, one for the enrolment.
    assert list(AuditEvent.objects.order_by("pk")[events_before:].values_list("event_type", flat=True)) == [
        "join_code_verified",
        "member_enrolled",
    ]

    confirmation = worker.get(done["Location"]).content.decode()
    assert "等待" in confirmation and "审核" in confirmation

    # The chair finds it in the union's queue and approves it.
    from gonghui.members.actions import do_approve_membership
    from gonghui.members.queries import list_review_queue

    assert list(list_review_queue(acting_user=link.created_by)) == [membership]
    do_approve_membership(acting_user=link.created_by, membership=membership)
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ACTIVE


def test_the_worksite_of_the_link_is_recorded(personas, django_capture_on_commit_callbacks):
    site = Worksite.objects.get(name="城市副中心周转房项目三标段")
    joint = do_create_org_unit(
        acting_user=personas.luyuan_officer,
        parent=personas.unit("BJ-TZ-LY"),
        code="LY-SITE-J",
        name="三标段项目联合工会",
        kind="JOINT",
    )
    link = join.do_create_join_link(acting_user=personas.luyuan_officer, union=joint, worksite=site)
    worker = Client()
    assert "城市副中心周转房项目三标段" in worker.get(f"/join/{link.token}/").content.decode()
    request_code(worker, link, django_capture_on_commit_callbacks)
    worker.post(f"/join/{link.token}/", form(code=last_code(), employer_name="中建某局"))
    membership = Membership.objects.get()
    assert membership.worksite == site and membership.union == joint
    assert membership.employer is None and membership.employer_name == "中建某局"


def test_a_mistyped_id_is_explained_and_the_fix_needs_no_new_code(link, django_capture_on_commit_callbacks):
    worker = Client()
    request_code(worker, link, django_capture_on_commit_callbacks)
    wrong_check = RID[:17] + ("0" if RID[17] != "0" else "1")
    refused = worker.post(f"/join/{link.token}/", form(code="000000", resident_id=wrong_check))
    html = refused.content.decode()
    assert refused.status_code == 200
    assert "公民身份号码" in html and "最后一位校验码" in html  # the checksum message, in Chinese
    assert not Person.objects.exists()
    # The code was not spent on the bad ID: the form is checked first.
    assert PhoneCode.objects.get().attempts == 0

    no_consent = worker.post(f"/join/{link.token}/", form(code=last_code(), consent=None))
    assert no_consent.status_code == 200
    assert "须先阅读并同意个人信息保护告知，才能提交信息。" in no_consent.content.decode()
    assert not Membership.objects.exists()
    # The number was verified on that try; the corrected form goes through without a code.
    assert "已验证" in no_consent.content.decode()
    done = worker.post(f"/join/{link.token}/", form())
    assert done.status_code == 302
    assert Membership.objects.get().status == Membership.Status.PENDING


def test_a_wrong_code_is_refused_on_the_page(link, django_capture_on_commit_callbacks):
    worker = Client()
    request_code(worker, link, django_capture_on_commit_callbacks)
    wrong = f"{(int(last_code()) + 1) % 1_000_000:06d}"
    refused = worker.post(f"/join/{link.token}/", form(code=wrong)).content.decode()
    assert "验证码" in refused and "4" in refused
    assert not Membership.objects.exists()


def test_without_a_code_the_number_is_not_taken_on_trust(link):
    refused = Client().post(f"/join/{link.token}/", form()).content.decode()
    assert "验证码" in refused
    assert not Person.objects.exists()


@pytest.mark.parametrize(
    ("already", "kind"),
    [("active_here", "already_member"), ("active_elsewhere", "transfer_proposed"), ("pending", "merged")],
)
def test_the_confirmation_says_the_same_whatever_is_on_file(  # type: ignore[no-untyped-def]
    personas, link, django_capture_on_commit_callbacks, already, kind
):
    from gonghui.members.actions import EnrolmentData

    union = link.union
    if already == "active_elsewhere":
        union = do_create_org_unit(
            acting_user=personas.luyuan_officer,
            parent=personas.unit("BJ-TZ-LY"),
            code="LY-J2",
            name="工地联合工会",
            kind="JOINT",
        )
    do_enrol_member(
        acting_user=personas.luyuan_officer if already == "active_elsewhere" else personas.chair,
        union=union,
        data=EnrolmentData(name="李春贵", resident_id=RID),
        channel=Channel.SELF_SERVICE if already == "pending" else Channel.CONSOLE,
        consent_given=True,
    )
    worker = Client()
    request_code(worker, link, django_capture_on_commit_callbacks)
    done = worker.post(f"/join/{link.token}/", form(code=last_code()))
    assert done.status_code == 302
    page = worker.get(done["Location"]).content.decode()
    # Whoever typed an ID number learns nothing about that person: the page is the one a new applicant
    # sees, and another union's name never appears. The reviewers see what really happened.
    assert 'data-outcome="received"' in page and "待" in page
    assert "工地联合工会" not in page
    assert AuditEvent.objects.filter(
        event_type={"already_member": "enrolment_already_member", "merged": "enrolment_merged"}.get(
            kind, "transfer_proposed"
        )
    ).exists()
    if kind == "transfer_proposed":
        assert Transfer.objects.get().to_membership.union == link.union


def test_the_done_page_without_an_application_goes_back_to_the_form(link):
    response = Client().get(f"/join/{link.token}/done/")
    assert response.status_code == 302 and response["Location"] == f"/join/{link.token}/"


def test_an_unknown_token_gets_a_friendly_404(db):
    response = Client().get("/join/no-such-poster/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "二维码已失效" in html and "join_link_not_found" in html


def test_a_nul_byte_in_the_form_is_a_4xx_and_saves_nothing(link, django_capture_on_commit_callbacks):
    worker = Client()
    request_code(worker, link, django_capture_on_commit_callbacks)
    response = worker.post(f"/join/{link.token}/", form(code=last_code(), name="李\x00春贵"))
    assert 400 <= response.status_code < 500
    assert "nul_character" in response.content.decode()
    assert not Person.objects.exists()
    api = Client().post(
        f"/api/v1/join/{link.token}/send-code",
        json.dumps({"phone": "138\u00001234"}),
        content_type="application/json",
    )
    assert api.status_code == 400 and api.json()["code"] == "nul_character"


def test_the_api_applies_with_a_ticket(link, django_capture_on_commit_callbacks):
    api = Client()
    with django_capture_on_commit_callbacks(execute=True):
        api.post(
            f"/api/v1/join/{link.token}/send-code",
            json.dumps({"phone": PHONE}),
            content_type="application/json",
        )
    ticket = api.post(
        f"/api/v1/join/{link.token}/verify",
        json.dumps({"phone": PHONE, "code": last_code()}),
        content_type="application/json",
    ).json()["ticket"]
    payload = {"ticket": ticket, "name": "李春贵", "resident_id": RID, "phone": PHONE, "consent": True}

    other_phone = api.post(
        f"/api/v1/join/{link.token}/apply",
        json.dumps(payload | {"phone": "13912345678"}),
        content_type="application/json",
    )
    assert other_phone.status_code == 400 and other_phone.json()["code"] == "join_phone_not_verified"
    no_consent = api.post(
        f"/api/v1/join/{link.token}/apply",
        json.dumps(payload | {"consent": False}),
        content_type="application/json",
    )
    assert no_consent.status_code == 400 and no_consent.json()["code"] == "consent_required"
    bad_id = api.post(
        f"/api/v1/join/{link.token}/apply",
        json.dumps(payload | {"resident_id": RID[:17]}),
        content_type="application/json",
    )
    assert bad_id.status_code == 400 and bad_id.json()["code"] == "resident_id_length"
    assert not Membership.objects.exists()

    applied = api.post(
        f"/api/v1/join/{link.token}/apply", json.dumps(payload), content_type="application/json"
    )
    assert applied.status_code == 201, applied.content
    assert applied.json() == {"outcome": "received", "union_name": link.union.name}
    # One text message carries one application: the ticket is spent.
    again = api.post(
        f"/api/v1/join/{link.token}/apply",
        json.dumps(payload | {"resident_id": OTHER_RID}),
        content_type="application/json",
    )
    assert again.status_code == 400 and again.json()["code"] == "join_phone_not_verified"
    membership = Membership.objects.get()
    assert membership.channel == Channel.SELF_SERVICE and membership.consents.count() == 1

    forged = api.post(
        f"/api/v1/join/{link.token}/apply",
        json.dumps(payload | {"ticket": "forged"}),
        content_type="application/json",
    )
    assert forged.status_code == 400 and forged.json()["code"] == "join_phone_not_verified"


def test_no_audit_payload_holds_the_phone_or_id(link, django_capture_on_commit_callbacks):
    worker = Client()
    request_code(worker, link, django_capture_on_commit_callbacks)
    worker.post(f"/join/{link.token}/", form(code="999999" if last_code() != "999999" else "999998"))
    worker.post(f"/join/{link.token}/", form(code=last_code()))
    assert Membership.objects.exists()
    events = AuditEvent.objects.all()
    assert {"join_code_sent", "join_code_rejected", "join_code_verified", "member_enrolled"} <= set(
        events.values_list("event_type", flat=True)
    )
    for event in events:
        text = json.dumps([event.details, event.object_label, event.changed_fields], ensure_ascii=False)
        assert PHONE not in text and RID not in text and RID[:14] not in text
