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
    # One chunk: one do_import_roster_rows, one event on the job and one on each membership it made.
    run_roster_import(job, commit=True)
    assert AuditEvent.objects.count() == before + 5
    event = AuditEvent.objects.get(event_type="roster_rows_imported")
    assert event.details["accepted"] == 2
    assert event.actor == user and event.unit == union
    assert "110112" not in str(event.details)
    do_request_member_export(acting_user=user, union=union, filters={}, file_format="CSV", reveal=False)
    assert AuditEvent.objects.count() == before + 6


def test_an_imported_members_history_shows_the_import_that_made_it(personas, tmp_path):
    from gonghui.members.models import Membership, Person
    from gonghui.members.queries import get_member_history

    user, union = personas.luyuan_officer, personas.unit("BJ-TZ-LY-SB3")
    path = write_simple_xlsx(tmp_path / "r.xlsx", [["李春贵", GOOD[0], ""], ["王小二", GOOD[1], ""]])
    job = do_upload_roster(
        acting_user=user, union=union, upload=ContentFile(path.read_bytes()), original_name="r.xlsx"
    )
    job = do_request_roster_commit(acting_user=user, job=run_roster_import(job, commit=False))
    run_roster_import(job, commit=True)
    person = Person.objects.get(name="王小二")
    membership = Membership.objects.get(person=person)
    (event,) = get_member_history(acting_user=user, person=person)
    assert event.event_type == "member_enrolled"
    assert event.object_id == str(membership.pk)
    assert event.object_label == str(membership)
    assert event.actor == user and event.unit == union
    assert event.details == {
        "channel": "IMPORT",
        "import_job": job.pk,
        "row": 3,
        "status": membership.status,
        "warnings": [],
    }
