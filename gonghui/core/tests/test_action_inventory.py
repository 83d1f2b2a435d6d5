"""The inventory of do_* actions is discovered, not listed: every app's actions module (or package, walked
module by module) is searched for the do_* functions it defines, and each must have a case that runs it
once and counts its audit events — one, or none for the bookkeeping actions (a token's last use, a
partner request's nonce, an import job's progress). A new action without a case fails here."""

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from gonghui.collect.tests.test_collect_audit import _actions as collect_calls
from gonghui.core.models import AuditEvent
from gonghui.core.tests.test_audit import _actions as audit_calls
from gonghui.meetings.tests.test_meetings_audit import NAMES as MEETING_ACTIONS
from gonghui.meetings.tests.test_meetings_audit import _calls as meeting_calls

Run = Callable[[], Any]
REPO = Path(__file__).resolve().parents[3]


def discover_actions() -> dict[str, str]:
    """Every do_* function defined in an app's actions module or package: name -> module."""
    found: dict[str, str] = {}
    for app in settings.INSTALLED_APPS:
        if not app.startswith("gonghui."):
            continue
        try:
            package = importlib.import_module(f"{app}.actions")
        except ModuleNotFoundError as error:
            if error.name == f"{app}.actions":
                continue
            raise
        modules = [package]
        if hasattr(package, "__path__"):
            modules += [
                importlib.import_module(info.name)
                for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")
            ]
        for module in modules:
            for name, function in inspect.getmembers(module, inspect.isfunction):
                if name.startswith("do_") and function.__module__ == module.__name__:
                    assert name not in found, f"{name} is defined twice: {found[name]}, {module.__name__}"
                    found[name] = module.__name__
    return found


class Case:
    """`prepare(personas)` does the setup (through other actions) and returns the call to count; `marks`
    gives, for the cases of core/tests/test_audit.py, where their own setup ended."""

    def __init__(self, prepare: Callable[[Any], Run], events: int = 1, marks: str = "") -> None:
        self.prepare, self.events, self.marks = prepare, events, marks


def _audit_case(short: str) -> Case:
    def prepare(p: Any) -> Run:
        calls = audit_calls(p)

        def run() -> list[int]:
            calls[short]()
            return list(calls["_setup_marks"])

        return run

    return Case(prepare, marks="returned")


def _meeting_case(name: str) -> Case:
    def prepare(p: Any) -> Run:
        setup, call = meeting_calls(p)[name]
        arg = setup()
        return lambda: call(arg)

    return Case(prepare)


def _collect_case(short: str) -> Case:
    return Case(lambda p: collect_calls(p)[short]())


def _stamp_token(p: Any) -> Run:
    from gonghui.accounts.actions import do_issue_api_token, do_stamp_token_used

    token, _secret = do_issue_api_token(
        acting_user=p.city_admin, user=p.collector, name="采集手机", unit=p.unit("BJ-TZ-YS")
    )
    return lambda: do_stamp_token_used(token=token)


def _load_regions(p: Any) -> Run:
    from gonghui.orgs.actions import do_load_regions

    data = {
        "version": "test",
        "province": {"code": "110000", "name": "北京市"},
        "districts": [{"code": "110112", "name": "通州区"}],
        "streets": [{"code": "110112999", "name": "测试街道", "district": "110112"}],
    }
    return lambda: do_load_regions(acting_user=None, data=data)


def _app_cases() -> dict[str, Case]:
    """An app may keep its cases in gonghui/<app>/tests/action_cases.py: ACTION_CASES (action name ->
    prepare) and BOOKKEEPING (the names that write no event), as cards does."""
    cases: dict[str, Case] = {}
    for app in settings.INSTALLED_APPS:
        if not app.startswith("gonghui."):
            continue
        try:
            module = importlib.import_module(f"{app}.tests.action_cases")
        except ModuleNotFoundError as error:
            if error.name in (f"{app}.tests", f"{app}.tests.action_cases"):
                continue
            raise
        bookkeeping: set[str] = getattr(module, "BOOKKEEPING", set())
        for name, prepare in module.ACTION_CASES.items():
            cases[name] = Case(prepare, events=0 if name in bookkeeping else 1)
    return cases


AUDIT_TEST_CASES = {
    "do_create_org_unit": "create_unit",
    "do_rename_org_unit": "rename_unit",
    "do_move_org_unit": "move_unit",
    "do_close_org_unit": "close_unit",
    "do_create_staff": "create_staff",
    "do_grant_role": "grant_role",
    "do_revoke_role": "revoke_role",
    "do_record_login_failure": "login_failure",
    "do_record_login": "login",
    "do_unlock_staff": "unlock",
    "do_start_totp_enrolment": "start_totp",
    "do_issue_api_token": "issue_token",
    "do_change_password": "change_password",
    "do_register_enterprise": "register_enterprise",
    "do_update_enterprise": "update_enterprise",
    "do_register_worksite": "register_worksite",
    "do_reveal_pii": "reveal",
    "do_rotate_pii_keys": "rotate",
    "do_enrol_member": "enrol_member",
    "do_approve_membership": "approve_membership",
    "do_reject_membership": "reject_membership",
    "do_bulk_approve_memberships": "bulk_approve",
    "do_decide_transfer": "decide_transfer",
}
COLLECT_CASES = {
    "do_register_device": "register",
    "do_issue_pairing_code": "issue_code",
    "do_pair_device": "pair",
    "do_revoke_device": "revoke",
    "do_refuse_uploads": "refuse_uploads",
}

CASES: dict[str, Case] = {
    **{name: _audit_case(short) for name, short in AUDIT_TEST_CASES.items()},
    **{name: _meeting_case(name) for name in MEETING_ACTIONS},
    **{name: _collect_case(short) for name, short in COLLECT_CASES.items()},
    **_app_cases(),
    "do_stamp_token_used": Case(_stamp_token, events=0),
    "do_load_regions": Case(_load_regions),
}

# Actions whose one-event test needs more than a call (a file, a time source, the regions' data, a whole
# federation): counted in the named test file, which must exist and run them (directly, or through the
# named entry point).
ELSEWHERE: dict[str, tuple[str, str]] = {
    "do_load_org_tree": ("gonghui/accounts/tests/test_bootstrap.py", "bootstrap"),
    "do_create_first_city_admin": ("gonghui/accounts/tests/test_bootstrap.py", "bootstrap"),
    "do_verify_totp": ("gonghui/accounts/tests/test_otp.py", "totp_confirmed"),
    "do_create_join_link": ("gonghui/members/tests/test_join_links.py", "do_create_join_link"),
    "do_regenerate_join_link": ("gonghui/members/tests/test_join_links.py", "do_regenerate_join_link"),
    "do_revoke_join_link": ("gonghui/members/tests/test_join_links.py", "do_revoke_join_link"),
    "do_send_join_code": ("gonghui/members/tests/test_join_code.py", "do_send_join_code"),
    "do_verify_join_code": ("gonghui/members/tests/test_join_code.py", "do_verify_join_code"),
    "do_store_uploads": ("gonghui/collect/tests/test_collect_audit.py", "upload"),
    "do_accept_uploads": ("gonghui/collect/tests/test_collect_audit.py", "upload"),
    "do_upload_roster": ("gonghui/members/tests/test_import_audit.py", "do_upload_roster"),
    "do_request_roster_commit": ("gonghui/members/tests/test_import_audit.py", "do_request_roster_commit"),
    "do_import_roster_rows": ("gonghui/members/tests/test_import_audit.py", "run_roster_import"),
    "do_request_member_export": ("gonghui/members/tests/test_import_audit.py", "do_request_member_export"),
    # The import job's own bookkeeping (no events): the dry run there is counted as writing none.
    "do_start_roster_run": ("gonghui/members/tests/test_import_audit.py", "run_roster_import"),
    "do_note_roster_file": ("gonghui/members/tests/test_import_audit.py", "run_roster_import"),
    "do_record_checked_rows": ("gonghui/members/tests/test_import_audit.py", "run_roster_import"),
    "do_finish_roster_run": ("gonghui/members/tests/test_import_audit.py", "run_roster_import"),
}

# Apps still being built alongside this inventory, whose actions have their own tests but no case here
# yet: their actions are not required to have one until the app is taken off this list (an app's cases go
# in gonghui/<app>/tests/action_cases.py). Every other app's new action needs a case.
APPS_WITHOUT_CASES_YET = {"establishment", "homes", "needs", "benefits"}

DISCOVERED = discover_actions()


def test_it_finds_the_actions_of_every_app_including_packages():
    assert DISCOVERED["do_enrol_member"] == "gonghui.members.actions.enrolment"
    assert DISCOVERED["do_issue_card"] == "gonghui.cards.actions.pad"
    assert DISCOVERED["do_plan_meeting"] == "gonghui.meetings.actions.planning"
    assert DISCOVERED["do_create_org_unit"] == "gonghui.orgs.actions"


def test_every_discovered_action_has_a_case():
    assert set(CASES).isdisjoint(ELSEWHERE)
    waiting = {name for name, module in DISCOVERED.items() if module.split(".")[1] in APPS_WITHOUT_CASES_YET}
    missing = sorted(set(DISCOVERED) - set(CASES) - set(ELSEWHERE) - waiting)
    assert not missing, f"actions without a one-event case: {missing}"
    stale = sorted((set(CASES) | set(ELSEWHERE)) - set(DISCOVERED))
    assert not stale, f"cases for actions that no longer exist: {stale}"


@pytest.mark.parametrize("name", sorted(ELSEWHERE))
def test_the_tests_named_for_an_action_exist_and_run_it(name):
    path, entry = ELSEWHERE[name]
    text = (REPO / path).read_text()
    assert entry in text and "AuditEvent" in text


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_action_writes_its_audit_events(personas, name):
    case = CASES[name]
    run = case.prepare(personas)
    before = AuditEvent.objects.count()
    marks = run()
    if case.marks and marks:
        before = marks[-1]  # the action's own setup was itself made of actions
    events = list(AuditEvent.objects.order_by("pk").values_list("event_type", flat=True))[before:]
    assert len(events) == case.events, events
