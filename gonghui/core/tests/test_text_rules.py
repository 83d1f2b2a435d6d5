"""The shared text rules: what a name, an address, a label or free text may hold, decided once
(core/text.py) and applied alike by console forms, API schemas and the actions behind them."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gonghui.core.errors import DomainError
from gonghui.core.text import TextKind, clean_text
from gonghui.members.models import JoinLink
from gonghui.orgs.models import OrgUnit

HOSTILE = {
    "rtl-override": ("工会\u202e名称", "text_invisible_character"),
    "rtl-isolate": ("工会\u2067名称", "text_invisible_character"),
    "zero-width-space": ("张\u200b三", "text_invisible_character"),
    "zero-width-joiner": ("张\u200d三", "text_invisible_character"),
    "bom": ("\ufeff张三", "text_invisible_character"),
    "line-break": ("张三\n李四", "text_line_break"),
    "paragraph-separator": ("张三\u2029李四", "text_line_break"),
    "escape": ("张三\x1b[2J", "text_control_character"),
    "lone-surrogate": ("张三\ud800", "text_unencodable"),
}


@pytest.mark.parametrize("kind", [TextKind.NAME, TextKind.ADDRESS, TextKind.LABEL])
@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_it_refuses_hostile_characters_in_one_line_fields(kind, case):
    value, code = HOSTILE[case]
    with pytest.raises(DomainError) as refused:
        clean_text(value, kind, field="name")
    assert refused.value.code == code and refused.value.field == "name"


def test_it_tidies_what_people_paste_into_a_name():
    assert clean_text("  张\u3000三\t ", TextKind.NAME) == "张 三"
    assert clean_text("阿依古丽·买买提\r\n", TextKind.NAME) == "阿依古丽·买买提"
    assert clean_text("Cafe\u0301", TextKind.NAME) == "Café"


def test_it_keeps_lines_and_emoji_in_free_text_but_not_direction_marks():
    assert clean_text("第一行\r\n第二行\r\n", TextKind.FREE_TEXT) == "第一行\n第二行"
    assert clean_text("家庭 👨\u200d👩\u200d👧", TextKind.FREE_TEXT) == "家庭 👨\u200d👩\u200d👧"
    with pytest.raises(DomainError):
        clean_text("正常\u202e常正", TextKind.FREE_TEXT)


@given(st.text())
def test_it_never_returns_text_that_cannot_be_stored_or_breaks_a_line(value):
    for kind in TextKind:
        try:
            cleaned = clean_text(value, kind)
        except DomainError:
            continue
        cleaned.encode("utf-8")  # raises on a lone surrogate
        assert "\x00" not in cleaned and "\x1b" not in cleaned
        if kind != TextKind.FREE_TEXT:
            assert "\n" not in cleaned and "\r" not in cleaned and "\u200b" not in cleaned
            assert cleaned == cleaned.strip()


def test_the_api_refuses_an_invisible_character_in_a_unit_name_naming_the_field(personas):
    unit = personas.unit("BJ-TZ-LY")
    response = personas.client(personas.city_admin).post(
        f"/api/v1/orgs/units/{unit.pk}/rename",
        json.dumps({"name": "潞源\u200b街道总工会"}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "text_invisible_character"
    assert response.json()["field"] == "name"
    unit.refresh_from_db()
    assert unit.name == "潞源街道总工会"


def test_a_console_form_refuses_a_line_break_in_a_unit_name(personas):
    unit = personas.unit("BJ-TZ-LY")
    response = personas.client(personas.city_admin).post(
        f"/orgs/{unit.pk}/", {"op": "rename", "rename-name": "潞源\n街道"}
    )
    assert response.status_code == 200
    assert "单行" in response.content.decode()
    unit.refresh_from_db()
    assert unit.name == "潞源街道总工会"


def test_a_join_link_label_refuses_a_direction_override_in_api_and_console(personas):
    union = personas.unit("BJ-TZ-YS-YR")
    client = personas.client(personas.chair)
    response = client.post(
        "/api/v1/join/links",
        json.dumps({"union_id": union.pk, "label": "大堂\u202e海报"}),
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["code"] == "text_invisible_character"
    response = client.post("/join/links/", {"union": union.pk, "label": "大堂\u202e海报"})
    assert response.status_code == 200
    assert not JoinLink.objects.exists()


def test_a_name_with_spaces_from_an_input_method_is_stored_tidy(personas):
    parent = personas.unit("BJ-TZ-LY")
    payload = {"parent_id": parent.pk, "code": "TIDY1", "name": "  某某\u3000工会 ", "kind": "GRASSROOTS"}
    response = personas.client(personas.city_admin).post(
        "/api/v1/orgs/units", json.dumps(payload), content_type="application/json"
    )
    assert response.status_code == 201
    assert OrgUnit.objects.get(code="TIDY1").name == "某某 工会"
