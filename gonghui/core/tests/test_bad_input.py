"""Hostile input gets a 4xx with a stable code and a Chinese message, never a 500, and saves nothing."""

import json

from gonghui.orgs.models import OrgUnit


def test_it_refuses_a_nul_character_in_a_query_string(personas):
    response = personas.client(personas.city_admin).get("/api/v1/orgs/units?search=a%00b")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "nul_character"
    assert "空字符" in body["message"] or "NUL" in body["message"]


def test_it_refuses_a_nul_character_in_a_json_body(personas):
    parent = personas.unit("BJ-TZ-LY")
    payload = {"parent_id": parent.pk, "code": "X1", "name": "坏\u0000名字", "kind": "GRASSROOTS"}
    response = personas.client(personas.city_admin).post(
        "/api/v1/orgs/units", json.dumps(payload), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "nul_character"
    assert not OrgUnit.objects.filter(code="X1").exists()


def test_it_refuses_a_nul_character_in_a_console_form(personas):
    unit = personas.unit("BJ-TZ-LY")
    response = personas.client(personas.city_admin).post(
        f"/orgs/{unit.pk}/", {"op": "rename", "rename-name": "潞源\x00"}
    )
    assert response.status_code == 400
    assert "nul_character" in response.content.decode()
    unit.refresh_from_db()
    assert unit.name == "潞源街道总工会"


def test_it_refuses_an_over_long_value(personas):
    response = personas.client(personas.city_admin).get("/api/v1/orgs/units", {"search": "长" * 20_000})
    assert response.status_code == 400
    assert response.json()["code"] == "value_too_long"


def test_it_refuses_a_field_longer_than_its_limit_with_a_field_error(personas):
    parent = personas.unit("BJ-TZ-LY")
    payload = {"parent_id": parent.pk, "code": "X2", "name": "名" * 201, "kind": "GRASSROOTS"}
    response = personas.client(personas.city_admin).post(
        "/api/v1/orgs/units", json.dumps(payload), content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert response.json()["field"] == "name"


def test_it_refuses_an_oversized_body(personas, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = personas.client(personas.city_admin).post(
        "/api/v1/orgs/units", json.dumps({"name": "x" * 5000}), content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"


def test_it_answers_malformed_json_with_a_4xx(personas):
    response = personas.client(personas.city_admin).post(
        "/api/v1/orgs/units", "{not json", content_type="application/json"
    )
    assert 400 <= response.status_code < 500
    assert "code" in response.json()


def test_it_answers_a_non_numeric_id_with_not_found(personas):
    client = personas.client(personas.city_admin)
    assert client.get("/orgs/abc/").status_code == 404
    response = client.get("/api/v1/orgs/units/abc")
    assert 400 <= response.status_code < 500


def test_it_answers_a_stale_form_with_a_chinese_page_not_a_crash(personas):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.city_admin)
    response = client.post("/accounts/logout/")
    assert response.status_code == 403
    assert "csrf_failed" in response.content.decode()


def test_it_names_the_field_and_the_problem_of_invalid_api_input(personas):
    response = personas.client(personas.city_admin).post(
        "/api/v1/orgs/units",
        json.dumps({"code": "X9", "name": "某工会", "kind": "NOPE"}),
        content_type="application/json",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_input" and body["field"] in ("parent_id", "kind")
    assert "Input should" not in body["message"]


def test_it_refuses_a_nul_character_whatever_the_declared_content_type(personas):
    unit = personas.unit("BJ-TZ-LY")
    response = personas.client(personas.city_admin).post(
        f"/api/v1/orgs/units/{unit.pk}/rename", '{"name": "永顺\\u0000镇"}', content_type="text/plain"
    )
    assert response.status_code == 400 and response.json()["code"] == "nul_character"
    unit.refresh_from_db()
    assert unit.name == "潞源街道总工会"


def test_it_answers_ids_and_offsets_beyond_the_database_with_4xx(personas):
    client = personas.client(personas.city_admin)
    huge = 2**70
    for url in (
        f"/api/v1/orgs/units/{huge}",
        f"/api/v1/members?union_id={huge}",
        f"/api/v1/members/review-queue?union_id={huge}",
        f"/api/v1/audit/events?offset={huge}",
        "/api/v1/enterprises?limit=6980697473",
        f"/api/v1/enterprises?min_employees={huge}",
        "/members/review/?union=%C2%B2",
        f"/orgs/{huge}/",
    ):
        response = client.get(url)
        assert response.status_code in (200, 404, 422), (url, response.status_code)
        assert response.status_code != 200 or "union" in url, url
    response = client.post(
        "/api/v1/members/bulk-approve",
        json.dumps({"union_id": personas.unit("BJ-TZ-YS-YR").pk, "membership_ids": [huge]}),
        content_type="application/json",
    )
    assert response.status_code == 422
    union = str(personas.unit("BJ-TZ-YS-YR").pk)
    assert (
        client.post("/members/review/bulk-approve/", {"union": union, "membership": "²"}).status_code == 302
    )


def test_it_names_csrf_and_unparsable_bodies_in_chinese(personas):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.outsider)
    response = client.post("/api/v1/orgs/units", "{}", content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"
    api = personas.client(personas.city_admin)
    response = api.post("/api/v1/orgs/units", "{not json", content_type="application/json")
    assert response.status_code in (400, 422) and "code" in response.json()
