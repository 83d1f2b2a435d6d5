from django.core.files.base import ContentFile

from gonghui.core.models import AuditEvent
from gonghui.members.actions import do_request_member_export, do_request_roster_commit, do_upload_roster
from gonghui.members.roster_import import run_roster_import
from gonghui.members.tests.roster_fixtures import GOOD, write_simple_xlsx


def test_each_roster_action_writes_one_audit_event(personas, tmp_path):
    user, union = personas.luyuan_officer, personas.unit("BJ-TZ-LY-SB3")
    path = write_simple_xlsx(tmp_path / "r.xlsx", [["李春贵", GOOD[0], ""], ["王小二", GOOD[1], ""]])
    before = AuditEvent.objects.count()
    job = do_upload_roster(
        acting_user=user, union=union, upload=ContentFile(path.read_bytes()), original_name="r.xlsx"
    )
    assert AuditEvent.objects.count() == before + 1
    job = run_roster_import(job, commit=False)
    assert AuditEvent.objects.count() == before + 1  # the dry run writes no domain row, so no event
    job = do_request_roster_commit(acting_user=user, job=job)
    assert AuditEvent.objects.count() == before + 2
    run_roster_import(job, commit=True)  # one chunk: one do_import_roster_rows, one event
    assert AuditEvent.objects.count() == before + 3
    event = AuditEvent.objects.latest("pk")
    assert event.event_type == "roster_rows_imported" and event.details["accepted"] == 2
    assert event.actor == user and event.unit == union
    assert "110112" not in str(event.details)
    do_request_member_export(acting_user=user, union=union, filters={}, file_format="CSV", reveal=False)
    assert AuditEvent.objects.count() == before + 4
