"""Hostile bodies and query strings are refused at the door, before login and CSRF, with a 4xx and a code:
nesting too deep to parse safely, text that cannot be stored, control characters, and resident IDs or
phone numbers in a web address (which every access log would keep)."""

import json

import pytest
from django.test import Client

from gonghui.members.models import JoinLink
from gonghui.orgs.models import OrgUnit


def deep_array(levels: int) -> str:
    return "[" * levels + "]" * levels


def deep_objects(levels: int) -> str:
    return '{"a":' * levels + "1" + "}" * levels


@pytest.mark.parametrize(
    "body",
    [deep_array(100_000), deep_objects(5_000), deep_array(40)],
    ids=["array-100000", "objects-5000", "array-40"],
)
@pytest.mark.parametrize("url", ["/api/v1/orgs/units", "/members/", "/join/nope/", "/no/such/page/"])
def test_it_refuses_deep_json_anonymously_before_anything_else(db, url, body):
    response = Client().post(url, body, content_type="application/json")
    assert response.status_code == 400
    assert "json_too_deep" in response.content.decode()


def test_it_measures_depth_without_being_fooled_by_brackets_inside_strings(personas):
    parent = personas.unit("BJ-TZ-LY")
    name = "[" * 50 + "工会" + "}" * 50
    payload = {"parent_id": parent.pk, "code": "BRK1", "name": name, "kind": "GRASSROOTS"}
    response = personas.client(personas.city_admin).post(
        "/api/v1/orgs/units", json.dumps(payload), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert OrgUnit.objects.get(code="BRK1").name == name


def test_it_refuses_a_lone_surrogate_in_a_json_body(personas):
    union = personas.unit("BJ-TZ-YS-YR")
    body = '{"union_id": ' + str(union.pk) + ', "label": "poster \\ud800"}'
    response = personas.client(personas.chair).post(
        "/api/v1/join/links", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "text_unencodable"
    assert not JoinLink.objects.exists()


def test_it_refuses_a_lone_surrogate_in_a_json_key(personas):
    response = personas.client(personas.city_admin).post(
        "/api/v1/orgs/units", '{"\\udfff": 1}', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "text_unencodable"


@pytest.mark.parametrize("char", ["\x1b", "\x07", "\x7f", "\x9b"], ids=["ESC", "BEL", "DEL", "CSI"])
def test_it_refuses_terminal_control_characters_anywhere(personas, char):
    unit = personas.unit("BJ-TZ-LY")
    client = personas.client(personas.city_admin)
    response = client.post(
        f"/api/v1/orgs/units/{unit.pk}/rename",
        json.dumps({"name": f"潞源{char}[31m"}),
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["code"] == "text_control_character"
    response = client.post(f"/orgs/{unit.pk}/", {"op": "rename", "rename-name": f"潞源{char}"})
    assert response.status_code == 400 and "text_control_character" in response.content.decode()
    response = client.get("/api/v1/orgs/units", {"search": f"a{char}"})
    assert response.status_code == 400 and response.json()["code"] == "text_control_character"
    unit.refresh_from_db()
    assert unit.name == "潞源街道总工会"


@pytest.mark.parametrize(
    "url",
    [
        "/members/?q=110101199003071234",
        "/cards/?member=110101199003071234",
        "/api/v1/members?q=11010119900307123X",
        "/api/v1/members?q=13812345678",
        "/members/?q=%E5%BC%A0+13812345678",
        "/members/?q=138+1234+5678",
        "/members/?q=%EF%BC%91%EF%BC%93%EF%BC%98%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96%EF%BC%97%EF%BC%98",
    ],
)
def test_it_refuses_a_resident_id_or_phone_in_a_web_address(personas, url):
    response = personas.client(personas.city_admin).get(url)
    assert response.status_code == 400
    assert "personal_number_in_url" in response.content.decode()


def test_it_lets_long_numbers_that_are_not_personal_through(personas):
    client = personas.client(personas.city_admin)
    # An offset, a 22-digit id (beyond the database: its own 4xx) and a phone tail are not personal numbers.
    assert client.get("/api/v1/members?offset=10000000").status_code == 200
    assert client.get(f"/api/v1/orgs/units/{2**70}").status_code in (404, 422)
    assert client.get("/api/v1/members?q=5678").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        b'"' + b'\\"' * 1_000_000,  # escaped quotes with no closing one (was quadratic)
        b'"' * 2_000_000,
        b'["' + b"\\\\" * 900_000 + b'"]',
    ],
    ids=["escaped-quotes", "quotes", "backslashes"],
)
def test_the_depth_check_stays_linear_on_pathological_strings(body):
    from gonghui.core.middleware import _JSON_STRING, json_deeper_than

    # What keeps it linear: a string match that has started at a quote never fails (else the engine
    # retries from every later quote).
    assert _JSON_STRING.match(b'"\\"\\"\\"') is not None

    # No timing here: a quadratic scan of these 2 MB bodies would not finish within the test run's
    # patience (40 KB of escaped quotes took 28 s before the fix); a linear one takes well under a second.
    assert not json_deeper_than(body, 32)


def test_the_depth_check_ignores_brackets_inside_strings_and_counts_the_rest():
    from gonghui.core.middleware import json_deeper_than

    assert not json_deeper_than(b'{"a": [1, "]]]", {"b": "\\"[[[[["}]}', 3)
    assert json_deeper_than(b'{"a": [1, "]]]", {"b": "\\"[[[[["}]}', 2)
