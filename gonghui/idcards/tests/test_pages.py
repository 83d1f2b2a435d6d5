"""The reader on the console's member form and on the worker's join page: the button is there, and the join
page's worker may read a card only after verifying their phone on that page."""

import re

import pytest
from django.test import Client

from gonghui.core.models import AuditEvent, SmsMessage
from gonghui.members import join
from gonghui.members.models import JoinLink

PHONE = "13912345678"


@pytest.fixture
def link(personas) -> JoinLink:  # type: ignore[no-untyped-def]
    return join.do_create_join_link(acting_user=personas.chair, union=personas.unit("BJ-TZ-YS-YR"))


def verified_worker(link: JoinLink, django_capture_on_commit_callbacks) -> Client:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        join.do_send_join_code(link=link, phone=PHONE)
    code = re.search(r"(?<!\d)(\d{6})(?!\d)", SmsMessage.objects.order_by("-pk").first().text).group(1)  # type: ignore[union-attr]
    ticket = join.do_verify_join_code(link=link, phone=PHONE, code=code)
    client = Client()
    session = client.session
    session[join.session_key(link, "ticket")] = ticket
    session.save()
    return client


def test_it_offers_the_button_on_the_console_member_form(personas):
    page = personas.client(personas.tongzhou_officer).get("/members/new/").content.decode()
    assert 'data-id-photo data-api="/api/v1/idcard/read?side=front"' in page
    assert "拍身份证" in page


def test_it_offers_the_button_on_the_join_page_only_after_the_phone_is_verified(
    link, django_capture_on_commit_callbacks
):
    assert "data-id-photo" not in Client().get(f"/join/{link.token}/").content.decode()
    page = (
        verified_worker(link, django_capture_on_commit_callbacks).get(f"/join/{link.token}/").content.decode()
    )
    assert f"/api/v1/idcard/read?side=front&amp;join={link.token}" in page


def test_it_lets_a_verified_worker_read_their_card_and_counts_them_by_ticket(
    link, django_capture_on_commit_callbacks
):
    worker = verified_worker(link, django_capture_on_commit_callbacks)
    blank = b"\x89PNG\r\n\x1a\n" + b"broken"  # refused by the photo checks: the caller got through
    response = worker.post(f"/api/v1/idcard/read?join={link.token}", blank, content_type="image/png")
    assert response.status_code == 400
    assert response.json()["code"] == "upload_broken_image"


def test_it_refuses_a_join_page_visitor_who_has_not_verified_a_phone(link):
    response = Client().post(
        f"/api/v1/idcard/read?join={link.token}", b"\xff\xd8\xff", content_type="image/jpeg"
    )
    assert response.status_code == 401
    assert not AuditEvent.objects.filter(event_type="id_card_read").exists()
