"""`manage.py import_roster FILE --union <code> --as <username> [--dry-run] [--report OUT.xlsx]`

The command acts for a named staff login (--as), never for an anonymous system actor: enrolment rules
depend on who acts (a union chair's rows go in ACTIVE, a collector's wait for review), scope is checked
against that login's roles, and the audit log names a person. Prints one summary line.
"""

import shutil
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from gonghui.accounts.models import User
from gonghui.core.errors import DomainError
from gonghui.members.actions import do_request_roster_commit, do_upload_roster
from gonghui.members.models import ImportJob
from gonghui.members.roster_import import run_roster_import
from gonghui.members.roster_report import build_report
from gonghui.orgs.models import OrgUnit
from gonghui.orgs.queries import units_in_scope


class Command(BaseCommand):
    help = "Import a roster (.xlsx, .xls, .ods, .csv, Unicode .txt) into a union; prints rows read, accepted, updated, duplicates, rejected, warnings."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--union", required=True, help="code of the grassroots union, e.g. BJ-TZ-YS-YR")
        parser.add_argument("--as", dest="username", required=True, help="staff login the import acts for")
        parser.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
        parser.add_argument("--report", help="write the report (.xlsx copy with a 问题 column) here")
        parser.add_argument(
            "--confirm-area-warnings", action="store_true", help="accept IDs whose area code is unknown"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        user = User.objects.filter(username__iexact=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active login {options['username']!r}")
        union = units_in_scope(user).filter(code=options["union"]).first()
        if union is None or not isinstance(union, OrgUnit):
            raise CommandError(
                f"union {options['union']!r} does not exist or is outside {user.username}'s area"
            )
        try:
            with open(path, "rb") as handle:
                job = do_upload_roster(
                    acting_user=user,
                    union=union,
                    upload=File(handle),
                    original_name=path.name,
                    confirm_area_warnings=options["confirm_area_warnings"],
                )
            job = run_roster_import(job, commit=False)
            if job.status == ImportJob.Status.CHECKED and not options["dry_run"]:
                job = do_request_roster_commit(acting_user=user, job=job)
                job = run_roster_import(job, commit=True)
        except DomainError as error:
            raise CommandError(f"{error.code}: {error.message}") from None
        if job.status in (ImportJob.Status.REFUSED, ImportJob.Status.FAILED):
            raise CommandError(f"{job.error_code}: {job.error_message}")
        if options["report"]:
            build_report(job)
            shutil.copyfile(job.report_file.path, options["report"])
        mode = "dry run" if options["dry_run"] else "imported"
        self.stdout.write(
            f"{mode}: rows read {job.rows_read}, accepted {job.accepted}, updated {job.updated}, "
            f"duplicates {job.duplicates}, rejected {job.rejected}, warnings {job.warnings}"
            + (f", transfers proposed {job.transfers}" if job.transfers else "")
        )
