"""`manage.py bootstrap --tree FILE`: bring up an empty federation for real use (docs/operations.md).

1. Beijing's regions (districts, streets and towns) and the cache table the login throttles use;
2. the union tree from a file (orgs/tree_file.py: format and template), all of it or nothing;
3. the first city administrator, with a random password printed once: it opens only the authenticator
   enrolment (TOTP is required for the role) and then the page to choose a new password;
4. where to go next: the enterprise register import (the 建会 app), staff logins, the roster import.

Safe to run again: regions and unions already there are left alone, and a second administrator is never
made (the first one creates the other logins in the console).
"""

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.urls import NoReverseMatch, reverse

from gonghui.accounts.actions import CityAdministratorExists, do_create_first_city_admin
from gonghui.core.errors import DomainError
from gonghui.orgs.actions import do_load_org_tree
from gonghui.orgs.models import OrgUnit
from gonghui.orgs.tree_file import TEMPLATE_FILE, read_tree_file


def _url(name: str, fallback: str) -> str:
    try:
        path = reverse(name)
    except NoReverseMatch:
        return fallback
    return f"{settings.GONGHUI_PUBLIC_BASE_URL.rstrip('/')}{path}"


class Command(BaseCommand):
    help = "Start a federation: regions, the union tree from a file, the first city administrator."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--tree",
            type=Path,
            help=f"union tree file (CSV: code,name,kind,parent_code,region_code); template: {TEMPLATE_FILE}",
        )
        parser.add_argument("--admin-username", default="admin", help="login name of the first administrator")
        parser.add_argument(
            "--admin-name", default="市总工会管理员", help="display name of the first administrator"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("load_regions", stdout=self.stdout)
        call_command("createcachetable")
        tree = options["tree"]
        if tree is not None:
            started = time.perf_counter()
            try:
                result = do_load_org_tree(acting_user=None, tree=read_tree_file(tree))
            except DomainError as error:
                raise CommandError(error.message) from None
            kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(result.by_kind.items()))
            self.stdout.write(
                f"union tree: {result.created} created ({kinds or 'none'}), {result.existing} already there, "
                f"in {time.perf_counter() - started:.1f} s"
            )
        city = OrgUnit.objects.filter(parent__isnull=True).first()
        if city is None:
            raise CommandError(f"There is no union tree yet: give --tree FILE (template: {TEMPLATE_FILE}).")
        try:
            user, password = do_create_first_city_admin(
                username=options["admin_username"], display_name=options["admin_name"], city=city
            )
        except CityAdministratorExists:
            self.stdout.write("first administrator: exists already (they create the other logins)")
        except DomainError as error:
            raise CommandError(error.message) from None
        else:
            self.stdout.write(self.style.SUCCESS("\nfirst city administrator — this password is shown once:"))
            self.stdout.write(f"  login: {user.username}\n  password: {password}")
            self.stdout.write(
                f"  sign in at {_url('accounts:login', '/accounts/login/')}: an authenticator app must be set up "
                "first (TOTP), then a new password chosen; this one stops working."
            )
        self.stdout.write("\nnext:")
        self.stdout.write(
            "  - the enterprise register (统一社会信用代码 list of the district's employers): import it at "
            f"{_url('establishment:imports', '/establishment/imports/ (the 建会 app)')}; one at a time: /enterprises/new/"
        )
        self.stdout.write("  - staff logins and their roles: /accounts/staff/new/")
        self.stdout.write("  - member rosters: /members/imports/ (docs/rosters.md)")
