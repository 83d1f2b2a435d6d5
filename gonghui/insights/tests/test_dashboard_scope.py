"""A viewer sees only their subtree, in every panel and every export; a read-only leader writes nothing."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from python_calamine import CalamineWorkbook

from gonghui.core.models import AuditEvent
from gonghui.insights.panels.registry import PANELS
from gonghui.orgs.models import OrgUnit

HAIDIAN_NAMES = ["海淀区总工会", "甘家口街道总工会"]


def sheet_text(content: bytes) -> str:
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
    rows = workbook.get_sheet_by_index(0).to_python()
    return "\n".join("\t".join(str(v) for v in row) for row in rows)


def test_it_shows_a_district_leader_only_their_district(story, leader):
    client = story.client(leader)
    page = client.get("/dashboard/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "通州区总工会" in html and "永顺镇总工会" in html
    for name in [*HAIDIAN_NAMES, "北京市总工会"]:
        assert name not in html
    # Another district's unit, or the city above, does not exist for this leader.
    for code in ("BJ-HD", "BJ-HD-GJK", "BJ"):
        assert client.get(f"/dashboard/?unit={story.unit(code).pk}").status_code == 404
        for key in PANELS:
            assert client.get(f"/dashboard/{key}.xlsx?unit={story.unit(code).pk}").status_code == 404


@pytest.mark.parametrize("key", list(PANELS))
def test_every_panel_and_export_counts_only_the_viewers_subtree(story, leader, key):
    """The leader's default view (通州) equals the city admin's view of 通州, panel by panel, and the
    export holds the same figures and no other district's unions."""
    from django.utils import timezone

    from gonghui.insights import queries
    from gonghui.insights.tests.conftest import START, period_end

    now = timezone.now()
    tongzhou = story.unit("BJ-TZ")
    _view, as_leader = queries.get_panel(
        acting_user=leader, key=key, unit=None, start=START, end=period_end(), now=now
    )
    _view, as_admin = queries.get_panel(
        acting_user=story.city_admin, key=key, unit=tongzhou, start=START, end=period_end(), now=now
    )
    _view, whole_city = queries.get_panel(
        acting_user=story.city_admin, key=key, unit=story.unit("BJ"), start=START, end=period_end(), now=now
    )
    assert [(s.key, s.value) for s in as_leader.stats] == [(s.key, s.value) for s in as_admin.stats]
    child_ids = {r.unit_id for t in as_leader.tables for r in t.rows if r.unit_id}
    assert child_ids and all(OrgUnit.objects.get(pk=i).path.startswith(tongzhou.path) for i in child_ids)
    # The whole city's children are the districts, 海淀 among them.
    assert story.unit("BJ-HD").pk in {r.unit_id for r in whole_city.table("by_unit").rows}

    response = story.client(leader).get(f"/dashboard/{key}.xlsx?start={START}&end={period_end()}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    text = sheet_text(response.content)
    assert "通州区总工会" in text
    for name in HAIDIAN_NAMES:
        assert name not in text
    for stat in as_leader.stats:
        assert str(stat.label) in text


def test_a_viewer_with_no_area_has_no_dashboard(story):
    client = story.client(story.bank_operator)
    assert client.get("/dashboard/").status_code == 404
    assert client.get("/dashboard/members.xlsx").status_code == 404
    assert "/dashboard/" not in client.get("/").content.decode()


def test_the_read_only_leader_writes_nothing(story, leader):
    client = story.client(leader)
    events = AuditEvent.objects.count()
    tongzhou = story.unit("BJ-TZ")
    urls = [
        "/dashboard/",
        f"/dashboard/?unit={story.unit('BJ-TZ-LY').pk}&start=2025-01-01&end=2027-12-31",
        f"/dashboard/screen/?unit={tongzhou.pk}",
        *(f"/dashboard/{key}.xlsx?unit={tongzhou.pk}" for key in PANELS),
    ]
    with CaptureQueriesContext(connection) as queries:
        for url in urls:
            assert client.get(url).status_code == 200, url
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []
    assert AuditEvent.objects.count() == events
    # No write form on the dashboard: its only form is the period (GET).
    html = client.get("/dashboard/").content.decode()
    assert 'method="post"' not in html.split('<main class="page">')[1]


def test_it_drills_down_and_keeps_the_period(story):
    client = story.client(story.city_admin)
    city = client.get("/dashboard/?start=2025-01-01&end=2027-12-31").content.decode()
    tongzhou = story.unit("BJ-TZ")
    assert f'href="?unit={tongzhou.pk}&amp;start=2025-01-01&amp;end=2027-12-31"' in city
    luyuan = story.unit("BJ-TZ-LY")
    street = client.get(f"/dashboard/?unit={luyuan.pk}&start=2025-01-01&end=2027-12-31").content.decode()
    # The breadcrumb leads back up through the district to the city.
    crumbs = street.split("data-crumbs>")[1].split("</p>")[0]
    assert "北京市总工会" in crumbs and "通州区总工会" in crumbs and "潞源街道总工会" in crumbs
    assert crumbs.index("北京市总工会") < crumbs.index("通州区总工会") < crumbs.index("潞源街道总工会")


def test_a_bad_period_shows_an_error_and_the_default(story):
    client = story.client(story.city_admin)
    for query in ("start=2030-01-01&end=2020-01-01", "start=1990-01-01&end=2030-01-01", "start=nonsense"):
        response = client.get(f"/dashboard/?{query}")
        assert response.status_code == 200
        assert 'class="errors"' in response.content.decode()
    assert client.get("/dashboard/?unit=abc").status_code == 404
    assert client.get("/dashboard/nope.xlsx").status_code == 404
