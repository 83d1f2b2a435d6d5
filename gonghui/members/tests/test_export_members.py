import csv
import io

import pytest
from python_calamine import CalamineWorkbook

from gonghui.accounts.actions import RevealNotAllowed
from gonghui.core.models import AuditEvent
from gonghui.members.actions import EnrolmentData, do_enrol_member, do_request_member_export
from gonghui.members.models import Channel, ExportJob
from gonghui.members.tasks import export_members
from gonghui.members.tests.roster_fixtures import GOOD
from gonghui.orgs.actions import do_create_org_unit


def enrol(p, union_code, rid, name, user, phone=""):  # type: ignore[no-untyped-def]
    return do_enrol_member(
        acting_user=user,
        union=p.unit(union_code),
        data=EnrolmentData(name=name, resident_id=rid, phone=phone, employer_name="=HYPERLINK(1)"),
        channel=Channel.CONSOLE,
        consent_given=True,
    )


@pytest.fixture
def members(personas):  # type: ignore[no-untyped-def]
    enrol(personas, "BJ-TZ-YS-YR", GOOD[0], "李春贵", personas.chair, "13812340001")
    enrol(personas, "BJ-TZ-LY-SB3", GOOD[1], "王小二", personas.luyuan_officer, "13812340002")
    haidian = do_create_org_unit(
        acting_user=personas.ganjiakou_officer,
        parent=personas.unit("BJ-HD-GJK"),
        code="BJ-HD-GJK-X",
        name="甘家口某公司工会",
        kind="GRASSROOTS",
    )
    do_enrol_member(
        acting_user=personas.haidian_officer,
        union=haidian,
        data=EnrolmentData(name="海淀人", resident_id=GOOD[4]),
        channel=Channel.CONSOLE,
        consent_given=True,
    )
    return personas


def rows_of(job: ExportJob) -> list[list[str]]:
    job.refresh_from_db()
    assert job.status == "DONE"
    if job.format == "CSV":
        with job.file.open("rb") as handle:
            return list(csv.reader(io.StringIO(handle.read().decode("utf-8-sig"))))
    return [
        [str(c) for c in r]
        for r in CalamineWorkbook.from_path(job.file.path).get_sheet_by_index(0).to_python()
    ]


def export(user, **kw):  # type: ignore[no-untyped-def]
    job = do_request_member_export(
        acting_user=user,
        union=kw.pop("union", None),
        filters=kw.pop("filters", {}),
        file_format=kw.pop("file_format", "XLSX"),
        reveal=kw.pop("reveal", False),
    )
    export_members.enqueue(job.pk)
    return job


def test_it_exports_only_the_users_area_masked_as_text(members):
    rows = rows_of(export(members.tongzhou_officer))
    names = {r[0] for r in rows[1:]}
    assert names == {"李春贵", "王小二"}  # never 海淀人
    li = next(r for r in rows if r[0] == "李春贵")
    assert li[2] == GOOD[0][:6] + "********" + GOOD[0][-4:] and li[5] == "138****0001"
    # Text cells: the masked ID and dates are strings, and a formula-looking value is neutralised.
    assert isinstance(li[2], str) and li[10] == "'=HYPERLINK(1)"
    event = AuditEvent.objects.get(event_type="members_exported")
    assert event.actor == members.tongzhou_officer and event.details["reveal"] is False


def test_a_revealed_export_has_full_values_and_is_logged(members):
    rows = rows_of(export(members.tongzhou_officer, reveal=True, file_format="CSV"))
    li = next(r for r in rows if r[0] == "李春贵")
    assert li[2] == GOOD[0] and li[5] == "13812340001"
    assert AuditEvent.objects.filter(event_type="members_exported_revealed").count() == 1


def test_a_role_that_may_not_reveal_gets_a_refusal(members):
    with pytest.raises(RevealNotAllowed):
        export(members.collector, reveal=True)
    assert not ExportJob.objects.exists()


def test_filters_narrow_the_export(members):
    union = members.unit("BJ-TZ-LY-SB3")
    rows = rows_of(
        export(members.city_admin, union=union, filters={"union_path": union.path, "status": "ACTIVE"})
    )
    assert [r[0] for r in rows[1:]] == ["王小二"]


def test_the_api_queues_an_export_and_serves_the_file_to_its_owner_only(members):
    client = members.client(members.tongzhou_officer)
    response = client.post("/api/v1/members/exports", {"format": "CSV"}, content_type="application/json")
    assert response.status_code == 202
    body = response.json()
    assert body["ready"] is True
    file = client.get(f"/api/v1/members/exports/{body['id']}/file")
    assert file.status_code == 200 and "李春贵".encode() in b"".join(file.streaming_content)
    other = members.client(members.city_admin)
    assert other.get(f"/api/v1/members/exports/{body['id']}/file").status_code == 404
    denied = members.client(members.collector).post(
        "/api/v1/members/exports", {"reveal": True}, content_type="application/json"
    )
    assert denied.status_code == 403 and denied.json()["code"] == "pii_reveal_forbidden"
