from gonghui.members.models import ImportJob, Membership
from gonghui.members.tests.roster_fixtures import write_messy_xlsx


def test_it_walks_the_console_from_template_to_result(personas, tmp_path):
    client = personas.client(personas.luyuan_officer)
    template = client.get("/members/imports/template.xlsx")
    assert template.status_code == 200
    page = client.get("/members/imports/")
    assert page.status_code == 200
    assert "<h1>名册导入</h1>" in page.content.decode()
    assert "/members/imports/template.xlsx" in page.content.decode()
    with open(write_messy_xlsx(tmp_path / "messy.xlsx"), "rb") as handle:
        response = client.post(
            "/members/imports/", {"union": personas.unit("BJ-TZ-LY-SB3").pk, "file": handle}
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/members/imports/{job.pk}/"
    detail = client.get(f"/members/imports/{job.pk}/").content.decode()
    assert "resident_id_excel_number" in detail and 'data-count="rejected">7<' in detail
    client.post(f"/members/imports/{job.pk}/commit/")
    assert Membership.objects.count() == 6
    assert client.get(f"/members/imports/{job.pk}/report/").status_code == 200


def test_a_union_outside_the_area_cannot_be_picked(personas, tmp_path):
    client = personas.client(personas.luyuan_officer)
    with open(write_messy_xlsx(tmp_path / "messy.xlsx"), "rb") as handle:
        response = client.post(
            "/members/imports/", {"union": personas.unit("BJ-TZ-YS-YR").pk, "file": handle}
        )
    assert response.status_code == 200 and not ImportJob.objects.exists()


def test_the_export_page_queues_a_job(personas):
    client = personas.client(personas.tongzhou_officer)
    response = client.post("/members/exports/", {"format": "XLSX"})
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200


def test_the_demo_sample_roster_imports_with_its_two_slips_reported(personas, tmp_path):
    from gonghui.members.roster_import import run_roster_import
    from gonghui.members.tests.test_import_roster import upload

    client = personas.client(personas.luyuan_officer)
    response = client.get("/members/imports/sample.xlsx")
    assert response.status_code == 200
    path = tmp_path / "sample.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    job = run_roster_import(upload(personas, path, confirm_area_warnings=True), commit=False)
    assert (job.rows_read, job.accepted, job.rejected) == (8, 6, 2)
    codes = set(job.problems.filter(severity="ERROR").values_list("code", flat=True))
    assert codes == {"resident_id_excel_number", "resident_id_checksum"}
