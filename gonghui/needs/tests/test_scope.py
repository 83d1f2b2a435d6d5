"""Who sees what: 潞源's officer gets 404 for 甘家口's needs (console and API); a member unit sees only
its committees' needs; no partner page or schema ever shows a resident ID or a full phone."""

import re

from django.urls import reverse
from django.utils import timezone

from gonghui.needs import actions
from gonghui.needs.models import Need

RESIDENT_ID = re.compile(r"\d{17}[\dXx]")
FULL_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def test_it_gives_luyuans_officer_404_for_ganjiakous_need_in_console_and_api(circle):
    client = circle.personas.client(circle.personas.luyuan_officer)
    need = circle.ganjiakou_need
    assert client.get(reverse("needs:detail", args=[need.pk])).status_code == 404
    assert (
        client.post(
            reverse("needs:close", args=[need.pk]), {"closure": "NOT_OURS", "reason": "x"}
        ).status_code
        == 404
    )
    response = client.get(f"/api/v1/needs/{need.pk}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    response = client.post(
        f"/api/v1/needs/{need.pk}/close",
        {"closure": "NOT_OURS", "reason": "x"},
        content_type="application/json",
    )
    assert response.status_code == 404
    listed = client.get("/api/v1/needs?tab=OPEN").json()["items"]
    assert need.pk not in [n["id"] for n in listed]
    # 甘家口's own officer sees it, and so does the city.
    assert (
        circle.personas.client(circle.personas.ganjiakou_officer)
        .get(reverse("needs:detail", args=[need.pk]))
        .status_code
        == 200
    )
    assert (
        circle.personas.client(circle.personas.city_admin).get(f"/api/v1/needs/{need.pk}").status_code == 200
    )


def test_it_shows_a_unit_only_its_committees_needs(circle):
    mine = circle.post()
    client = circle.personas.client(circle.barber)
    page = client.get(reverse("needs:unit_home"))
    assert page.status_code == 200 and mine.title in page.content.decode()
    assert circle.ganjiakou_need.title not in page.content.decode()
    assert client.get(reverse("needs:unit_need", args=[circle.ganjiakou_need.pk])).status_code == 404
    assert client.get(f"/api/v1/needs/{circle.ganjiakou_need.pk}").status_code == 404
    ids = [n["id"] for n in client.get("/api/v1/needs/for-us").json()["items"]]
    assert ids == [mine.pk]
    # A unit reaches no officer page: the board lists nothing, a need page is not found.
    assert client.get(reverse("needs:detail", args=[mine.pk])).status_code == 404
    assert client.get("/api/v1/needs").json()["count"] == 0


def test_it_never_shows_partner_staff_a_resident_id_or_a_full_phone(circle):
    personas = circle.personas
    need = circle.post(title="三标段理发")
    # Personal data that exists around the need: a member at the worksite, the units' duty phones.
    from gonghui.members.actions import EnrolmentData, do_enrol_member
    from gonghui.members.models import Channel

    do_enrol_member(
        acting_user=personas.luyuan_officer,
        union=personas.unit("BJ-TZ-LY-SB3"),
        data=EnrolmentData(
            name="李春贵", resident_id="412721196103123712", phone="13911110005", worksite=circle.worksite
        ),
        channel=Channel.CONSOLE,
        consent_given=True,
        confirm_area_warning=True,
    )
    actions.do_claim_need(acting_user=circle.barber, need=need, work_types=[circle.haircut])
    event = actions.do_schedule_service(
        acting_user=circle.barber, need=need, starts_at=timezone.now(), place="工地"
    )
    actions.do_record_served(acting_user=circle.barber, event=event, head_count=3)
    client = personas.client(circle.barber)
    pages = [
        reverse("needs:unit_home"),
        reverse("needs:unit_home") + "?tab=mine",
        reverse("needs:unit_home") + "?tab=closed",
        reverse("needs:unit_need", args=[need.pk]),
        "/api/v1/needs/for-us",
        "/api/v1/needs/for-us?tab=mine",
        f"/api/v1/needs/{need.pk}",
        f"/api/v1/needs/{need.pk}/claims",
        f"/api/v1/needs/{need.pk}/events",
        "/api/v1/needs/work-types",
        "/api/v1/needs/deadline-classes",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert not RESIDENT_ID.search(body), url
        assert not FULL_PHONE.search(body), url
    actions.do_close_need(acting_user=circle.barber, need=need, closure=Need.Closure.RESOLVED)
    body = client.get(reverse("needs:unit_need", args=[need.pk])).content.decode()
    assert not FULL_PHONE.search(body) and not RESIDENT_ID.search(body)
