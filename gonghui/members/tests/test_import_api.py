from gonghui.core.models import AuditEvent
from gonghui.members.models import ImportJob, Membership, Person
from gonghui.members.tests.roster_fixtures import MESSY_COUNTS, write_messy_xlsx


def test_it_uploads_checks_and_commits_through_the_api(personas, tmp_path):
    client = personas.client(personas.luyuan_officer)
    path = write_messy_xlsx(tmp_path / "messy.xlsx")
    with open(path, "rb") as handle:
        response = client.post(
            "/api/v1/members/imports", {"file": handle, "union_id": personas.unit("BJ-TZ-LY-SB3").pk}
        )
    assert response.status_code == 202, response.content
    job = response.json()
    # The immediate task backend ran the check already.
    assert job["status"] == "CHECKED" and job["rejected"] == MESSY_COUNTS["rejected"] and job["has_report"]
    problems = client.get(f"/api/v1/members/imports/{job['id']}/problems?limit=100").json()
    assert {
        k: v
        for k, v in next(p for p in problems["items"] if p["row"] == 16).items()
        if k in ("row", "column", "code")
    } == {"row": 16, "column": "公民身份号码", "code": "resident_id_length"}
    committed = client.post(f"/api/v1/members/imports/{job['id']}/commit")
    assert committed.status_code == 202 and committed.json()["status"] == "DONE"
    assert Membership.objects.count() == MESSY_COUNTS["accepted"]
    again = client.post(f"/api/v1/members/imports/{job['id']}/commit")
    assert again.status_code == 409 and again.json()["code"] == "roster_import_not_ready"
    report = client.get(f"/api/v1/members/imports/{job['id']}/report")
    assert report.status_code == 200 and report["Content-Disposition"].startswith("attachment")


def test_importing_into_a_union_outside_the_subtree_is_404(personas, tmp_path):
    client = personas.client(personas.luyuan_officer)
    with open(write_messy_xlsx(tmp_path / "messy.xlsx"), "rb") as handle:
        response = client.post(
            "/api/v1/members/imports", {"file": handle, "union_id": personas.unit("BJ-TZ-YS-YR").pk}
        )
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert not ImportJob.objects.exists() and not Person.objects.exists()


def test_someone_else_s_import_is_not_there(personas, tmp_path):
    client = personas.client(personas.luyuan_officer)
    with open(write_messy_xlsx(tmp_path / "messy.xlsx"), "rb") as handle:
        job = client.post(
            "/api/v1/members/imports", {"file": handle, "union_id": personas.unit("BJ-TZ-LY-SB3").pk}
        ).json()
    haidian = personas.client(personas.haidian_officer)
    assert haidian.get(f"/api/v1/members/imports/{job['id']}").status_code == 404
    assert haidian.post(f"/api/v1/members/imports/{job['id']}/commit").status_code == 404
    assert AuditEvent.objects.filter(event_type="roster_uploaded").count() == 1


def test_an_upload_over_the_limit_is_refused_before_parsing(personas, settings):
    settings.GONGHUI_ROSTER_MAX_UPLOAD_BYTES = 1000
    client = personas.client(personas.luyuan_officer)
    from django.core.files.uploadedfile import SimpleUploadedFile

    big = SimpleUploadedFile("big.xlsx", b"PK\x03\x04" + b"x" * (2 << 20))
    response = client.post(
        "/api/v1/members/imports", {"file": big, "union_id": personas.unit("BJ-TZ-LY-SB3").pk}
    )
    assert response.status_code == 413 and response.json()["code"] == "body_too_large"
