import json

from gonghui.homes.models import Facility, LevelApplication


def test_it_answers_404_across_districts_in_the_api_and_the_console(world):
    p = world.personas
    chair = p.client(p.chair)
    body = {"level_id": world.level("CITY").pk, "answers": world.answers_json("CITY")}
    application_id = chair.post(
        f"/api/v1/homes/{world.home.pk}/applications", json.dumps(body), content_type="application/json"
    ).json()["id"]
    facility = Facility.objects.filter(home=world.home).order_by("pk")[0]
    haidian = p.client(p.haidian_officer)
    for url in [
        f"/api/v1/homes/{world.home.pk}",
        f"/api/v1/homes/{world.home.pk}/facilities",
        f"/api/v1/homes/facilities/{facility.pk}",
        f"/api/v1/homes/applications/{application_id}",
        f"/homes/{world.home.pk}/",
        f"/homes/facilities/{facility.pk}/",
        f"/homes/applications/{application_id}/",
        f"/homes/applications/{application_id}/check/",
    ]:
        assert haidian.get(url).status_code == 404, url
    for url in [
        f"/api/v1/homes/applications/{application_id}/recommend",
        f"/api/v1/homes/applications/{application_id}/approve",
    ]:
        assert haidian.post(url, "{}", content_type="application/json").status_code == 404, url
    response = haidian.post(
        f"/api/v1/homes/facilities/{facility.pk}/usage",
        json.dumps({"month": "2026-10", "visits": 3}),
        content_type="application/json",
    )
    assert response.status_code == 404
    assert haidian.get("/api/v1/homes").json()["count"] == 0
    assert "云锐" not in haidian.get("/homes/").content.decode()
    assert LevelApplication.objects.get().status == "AT_STREET"


def test_it_lets_a_viewer_read_but_not_keep_a_home(world):
    from gonghui.accounts.models import User

    leader = world.personas.client(User.objects.get(username="leader"))
    facility = Facility.objects.filter(home=world.home).order_by("pk")[0]
    assert leader.get(f"/api/v1/homes/facilities/{facility.pk}").status_code == 200
    response = leader.put(
        f"/api/v1/homes/facilities/{facility.pk}",
        json.dumps({"area_m2": "99"}),
        content_type="application/json",
    )
    assert response.status_code == 403


def test_it_shows_each_role_its_pages_in_chinese(world):
    p = world.personas
    chair = p.client(p.chair)
    page = chair.get("/homes/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "职工之家" in page and world.home.name in page
    page = chair.get(f"/homes/{world.home.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "母婴室" in page and "申报" in page
    page = chair.get(f"/homes/{world.home.pk}/apply/?level={world.level('CITY').pk}").content.decode()
    assert "市级职工之家" in page
    page = (
        p.client(p.tongzhou_officer).get("/homes/standard/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    )
    assert "示例" in page and "冰箱" in page
    page = p.client(p.tongzhou_officer).get("/homes/?level=none").content.decode()
    assert world.home.name in page
