import datetime
import json

from gonghui.accounts.actions import do_grant_role
from gonghui.core.models import AuditEvent
from gonghui.homes.models import AwardedLevel, Facility, LevelApplication, StepDecision
from gonghui.orgs.models import Role


def _post(client, url, body=None):  # type: ignore[no-untyped-def]
    return client.post(
        url, json.dumps(body or {}), content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )


def _apply(world, code="CITY", **kwargs):  # type: ignore[no-untyped-def]
    client = world.personas.client(world.personas.chair)
    body = {"level_id": world.level(code).pk, "answers": world.answers_json(code, **kwargs)}
    return _post(client, f"/api/v1/homes/{world.home.pk}/applications", body)


def test_it_takes_an_application_through_the_four_steps_each_by_its_role(world):
    p = world.personas
    response = _apply(world)
    assert response.status_code == 201, response.content
    application_id = response.json()["id"]
    assert response.json()["status"] == "AT_STREET" and response.json()["self_score"] == 100
    base = f"/api/v1/homes/applications/{application_id}"
    # The city administrator outranks the street but does not hold its step.
    response = _post(p.client(p.city_admin), f"{base}/recommend")
    assert response.status_code == 403 and response.json()["code"] == "homes_step_not_yours"
    assert _post(p.client(world.street_officer), f"{base}/recommend").json()["status"] == "AT_DISTRICT"
    response = _post(p.client(world.street_officer), f"{base}/recommend")
    assert response.status_code == 409 and response.json()["code"] == "homes_application_not_at_step"
    checks = {"answers": world.answers_json("CITY", points=15)}
    response = _post(p.client(p.tongzhou_officer), f"{base}/site-check", checks)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "AT_CITY" and response.json()["check_score"] == 75
    response = _post(p.client(p.city_admin), f"{base}/approve")
    assert response.status_code == 200, response.content
    award = AwardedLevel.objects.get()
    assert award.level.code == "CITY" and award.valid_until == award.awarded_date.replace(
        year=award.awarded_date.year + 3
    )
    steps = list(
        StepDecision.objects.filter(application_id=application_id)
        .order_by("pk")
        .values_list("step", "outcome")
    )
    assert steps == [("SELF", "PASSED"), ("STREET", "PASSED"), ("DISTRICT", "PASSED"), ("CITY", "PASSED")]
    events = list(
        AuditEvent.objects.filter(object_type="homes.levelapplication")
        .order_by("pk")
        .values_list("event_type", flat=True)
    )
    assert events == [
        "home_level_applied",
        "home_application_recommended",
        "home_site_check_passed",
        "home_level_awarded",
    ]
    listed = p.client(p.tongzhou_officer).get("/api/v1/homes?level=CITY").json()
    assert [row["id"] for row in listed["items"]] == [world.home.pk]


def test_it_refuses_the_same_level_applied_for_twice(world):
    assert _apply(world).status_code == 201
    response = _apply(world)
    assert response.status_code == 409
    assert response.json()["code"] == "homes_level_applied_twice"
    assert "市级职工之家" in response.json()["message"]
    assert LevelApplication.objects.count() == 1


def test_it_refuses_a_level_already_held_until_it_expires(world):
    from gonghui.homes.actions.levels import (
        do_apply_for_level,
        do_approve_application,
        do_recommend_application,
        do_record_site_check,
    )

    p = world.personas
    level = world.level("DISTRICT_ADVANCED")
    application = do_apply_for_level(
        acting_user=p.chair, home=world.home, level=level, answers=world.answers("DISTRICT_ADVANCED")
    )
    do_recommend_application(acting_user=world.street_officer, application=application)
    do_record_site_check(
        acting_user=p.tongzhou_officer, application=application, answers=world.answers("DISTRICT_ADVANCED")
    )
    do_approve_application(acting_user=p.city_admin, application=application)
    response = _apply(world, "DISTRICT_ADVANCED")
    assert response.status_code == 409 and response.json()["code"] == "homes_level_already_held"


def test_it_never_lets_anyone_decide_on_their_own_application(world):
    p = world.personas
    # 云锐's chair also becomes the 永顺镇 street officer: still not the one to recommend their own application.
    do_grant_role(acting_user=p.city_admin, user=p.chair, unit=p.unit("BJ-TZ-YS"), role=Role.STREET_OFFICER)
    application_id = _apply(world).json()["id"]
    response = _post(p.client(p.chair), f"/api/v1/homes/applications/{application_id}/recommend")
    assert response.status_code == 403 and response.json()["code"] == "homes_own_application"
    assert LevelApplication.objects.get().status == "AT_STREET"
    queue = p.client(p.chair).get("/api/v1/homes/applications?waiting_for_me=true").json()
    assert queue["count"] == 0
    queue = p.client(world.street_officer).get("/api/v1/homes/applications?waiting_for_me=true").json()
    assert [row["id"] for row in queue["items"]] == [application_id]


def test_it_refuses_with_a_reason_and_keeps_the_history(world):
    p = world.personas
    application_id = _apply(world).json()["id"]
    url = f"/api/v1/homes/applications/{application_id}/refuse"
    response = _post(p.client(world.street_officer), url, {"reason": ""})
    assert response.status_code in (400, 422)
    response = _post(p.client(world.street_officer), url, {"reason": "职代会记录不全，请补充后再申报"})
    assert response.status_code == 200 and response.json()["status"] == "REFUSED"
    assert response.json()["decisions"][-1]["reason"] == "职代会记录不全，请补充后再申报"
    # Refused, it is no longer open: the union may apply again.
    assert _apply(world).status_code == 201


def test_it_judges_facility_gates_from_the_facilities_and_the_pass_mark_from_the_points(world):
    p = world.personas
    Facility.objects.filter(home=world.home, facility_type__code="MATERNITY_ROOM").update(
        equipment={"fridge": True}
    )
    response = _apply(world)
    assert response.status_code == 400 and response.json()["code"] == "homes_gate_not_met"
    assert "母婴室" in response.json()["message"]
    response = _apply(world, "DISTRICT_ADVANCED", points=10)
    assert response.status_code == 400 and response.json()["code"] == "homes_below_pass_mark"
    body = {
        "level_id": world.level("DISTRICT_ADVANCED").pk,
        "answers": world.answers_json("DISTRICT_ADVANCED")[:2],
    }
    response = _post(p.client(p.chair), f"/api/v1/homes/{world.home.pk}/applications", body)
    assert response.status_code == 400 and response.json()["code"] == "homes_score_invalid"
    assert not LevelApplication.objects.exists()


def test_it_keeps_the_district_checklist_when_the_check_refuses(world):
    p = world.personas
    application_id = _apply(world).json()["id"]
    _post(p.client(world.street_officer), f"/api/v1/homes/applications/{application_id}/recommend")
    client = p.client(p.tongzhou_officer)
    application = LevelApplication.objects.get()
    form = {"decision": "refuse", "reason": "书屋藏书不足"}
    for item in application.level.items.all():
        if item.kind == "GATE":
            form[f"met_{item.pk}"] = "on"
        else:
            form[f"points_{item.pk}"] = "5"
        form[f"note_{item.pk}"] = "现场查看"
    response = client.post(f"/homes/applications/{application_id}/check/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    application.refresh_from_db()
    assert application.status == "REFUSED" and application.check_score == 25
    assert application.scores.filter(check_note="现场查看").count() == application.level.items.count()


def test_it_passes_the_check_from_the_phone_page_with_photos(world):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    p = world.personas
    application_id = _apply(world).json()["id"]
    _post(p.client(world.street_officer), f"/api/v1/homes/applications/{application_id}/recommend")
    client = p.client(p.tongzhou_officer)
    page = client.get(f"/homes/applications/{application_id}/check/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200 and "现场" in page.content.decode()
    application = LevelApplication.objects.get()
    form: dict[str, object] = {"decision": "pass"}
    for item in application.level.items.all():
        form[f"met_{item.pk}" if item.kind == "GATE" else f"points_{item.pk}"] = (
            "on" if item.kind == "GATE" else str(item.points)
        )
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "blue").save(out, format="PNG")
    form["photos"] = [
        SimpleUploadedFile("a.png", out.getvalue()),
        SimpleUploadedFile("b.png", out.getvalue()),
    ]
    response = client.post(f"/homes/applications/{application_id}/check/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    application.refresh_from_db()
    assert application.status == "AT_CITY" and application.check_photos.count() == 2


def test_it_computes_validity_across_a_leap_day():
    from gonghui.homes.rules import valid_until

    assert valid_until(datetime.date(2028, 2, 29), 3) == datetime.date(2031, 2, 28)


def test_it_reviews_yearly_and_lowers_a_level_keeping_the_history(world):
    import pytest

    from gonghui.core.errors import DomainError
    from gonghui.homes.actions.levels import (
        do_apply_for_level,
        do_approve_application,
        do_recommend_application,
        do_record_site_check,
        do_review_award,
    )

    p = world.personas
    level = world.level("DISTRICT_ADVANCED")
    application = do_apply_for_level(
        acting_user=p.chair, home=world.home, level=level, answers=world.answers("DISTRICT_ADVANCED")
    )
    do_recommend_application(acting_user=world.street_officer, application=application)
    do_record_site_check(
        acting_user=p.tongzhou_officer, application=application, answers=world.answers("DISTRICT_ADVANCED")
    )
    award = do_approve_application(acting_user=p.city_admin, application=application)
    with pytest.raises(DomainError) as error:
        do_review_award(acting_user=world.street_officer, award=award, passed=True)
    assert error.value.code == "homes_step_not_yours"
    do_review_award(acting_user=p.tongzhou_officer, award=award, passed=True, note="设施开放正常")
    with pytest.raises(DomainError) as error:
        do_review_award(acting_user=p.tongzhou_officer, award=award, passed=True)
    assert error.value.code == "homes_review_exists"
    with pytest.raises(DomainError) as error:
        do_review_award(acting_user=p.tongzhou_officer, award=award, passed=False, kind="COMPLAINT")
    assert error.value.code == "homes_reason_required"
    do_review_award(
        acting_user=p.tongzhou_officer,
        award=award,
        passed=False,
        kind="COMPLAINT",
        note="职工投诉属实：活动室长期挪作仓库",
    )
    award.refresh_from_db()
    assert award.status == "LOWERED" and "仓库" in award.lowered_reason
    assert list(award.reviews.order_by("pk").values_list("kind", "passed")) == [
        ("YEARLY", True),
        ("COMPLAINT", False),
    ]
    # The history stays: the home lists the lowered award, and holds no level now.
    listed = p.client(p.tongzhou_officer).get("/api/v1/homes?level=DISTRICT_ADVANCED").json()
    assert listed["count"] == 0
    page = p.client(p.chair).get(f"/homes/{world.home.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "已降级" in page and "仓库" in page
    assert AuditEvent.objects.filter(event_type="home_level_lowered").count() == 1
