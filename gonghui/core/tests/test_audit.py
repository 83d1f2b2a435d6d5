"""Every action writes exactly one audit event, and no audit row ever holds a phone or resident ID."""

import json

import pytest
from stdnum.cn import ric

from gonghui.accounts import actions as accounts_actions
from gonghui.accounts.actions import do_reveal_pii
from gonghui.core.actions import do_rotate_pii_keys
from gonghui.core.audit import record_event
from gonghui.core.models import AuditEvent
from gonghui.enterprises import actions as enterprise_actions
from gonghui.enterprises.actions import EnterpriseData
from gonghui.enterprises.models import Industry, UnitType, Worksite
from gonghui.enterprises.validators import with_check_character
from gonghui.members import actions as member_actions
from gonghui.orgs import actions as org_actions
from gonghui.orgs.models import OrgUnit, Region, Role

PHONE = "13812345678"
# The resident ID the member actions below enrol (the audit log must never hold it).
RESIDENT_ID = "11011220000101001" + ric.calc_check_digit("11011220000101001" + "0")


def _new_enterprise_data(p) -> EnterpriseData:
    return EnterpriseData(
        name="北京测试科技有限公司",
        district=Region.objects.get(code="110112"),
        street=Region.objects.get(code="110112007"),
        industry=Industry.I,
        unit_type=UnitType.PRIVATE,
        employee_count=120,
        female_employee_count=50,
        contact_phone=PHONE,
        managing_unit=p.unit("BJ-TZ-LY"),
    )


def _actions(p):  # type: ignore[no-untyped-def]
    """(name, callable) for every action, each ready to run once against the personas."""
    luyuan = p.unit("BJ-TZ-LY")

    def create_unit():
        return org_actions.do_create_org_unit(
            acting_user=p.luyuan_officer,
            parent=luyuan,
            code="LY-NEW",
            name="新建基层工会",
            kind=OrgUnit.Kind.GRASSROOTS,
        )

    def rename_unit():
        return org_actions.do_rename_org_unit(
            acting_user=p.tongzhou_officer, unit=luyuan, name="潞源街道总工会（新）"
        )

    def move_unit():
        return org_actions.do_move_org_unit(
            acting_user=p.tongzhou_officer, unit=p.unit("BJ-TZ-YS-YR"), new_parent=p.unit("BJ-TZ-LC")
        )

    def close_unit():
        return org_actions.do_close_org_unit(acting_user=p.tongzhou_officer, unit=p.unit("BJ-TZ-LC"))

    def create_staff():
        return accounts_actions.do_create_staff(
            acting_user=p.luyuan_officer,
            username="ly-collector",
            display_name="潞源采集员",
            password="a-long-unusual-passphrase",
            phone=PHONE,
            unit=luyuan,
            role=Role.COLLECTOR,
        )

    def grant_role():
        return accounts_actions.do_grant_role(
            acting_user=p.tongzhou_officer, user=p.collector, unit=luyuan, role=Role.VIEWER
        )

    def revoke_role():
        assignment = p.collector.role_assignments.get()
        return accounts_actions.do_revoke_role(acting_user=p.tongzhou_officer, assignment=assignment)

    def login_failure():
        return accounts_actions.do_record_login_failure(
            username="luyuan", address="10.0.0.1", user=p.luyuan_officer
        )

    def login():
        return accounts_actions.do_record_login(user=p.luyuan_officer)

    def unlock():
        return accounts_actions.do_unlock_staff(
            acting_user=p.tongzhou_officer, user=p.luyuan_officer, unit=luyuan
        )

    def start_totp():
        return accounts_actions.do_start_totp_enrolment(acting_user=p.luyuan_officer)

    def issue_token():
        return accounts_actions.do_issue_api_token(
            acting_user=p.city_admin, user=p.collector, name="采集手机", unit=p.unit("BJ-TZ-YS")
        )

    def change_password():
        from gonghui.demo.personas import PASSWORD

        return accounts_actions.do_change_password(
            acting_user=p.luyuan_officer, current=PASSWORD, new="another-long-passphrase-13812345678"
        )

    def register_enterprise():
        return enterprise_actions.do_register_enterprise(
            acting_user=p.luyuan_officer,
            uscc=with_check_character("91110112MA01C2K8X"),
            data=_new_enterprise_data(p),
        )

    def update_enterprise():
        data = _new_enterprise_data(p)
        data.managing_unit = p.unit("BJ-TZ-YS")
        data.name = "北京云锐国际文化传媒有限公司"
        return enterprise_actions.do_update_enterprise(
            acting_user=p.tongzhou_officer, enterprise=p.enterprise("yunrui"), data=data
        )

    def register_worksite():
        return enterprise_actions.do_register_worksite(
            acting_user=p.luyuan_officer,
            name="副中心二标段",
            kind=Worksite.Kind.CONSTRUCTION,
            street=Region.objects.get(code="110112007"),
            managing_unit=luyuan,
        )

    def reveal():
        enterprise = p.enterprise("yunrui")
        enterprise.contact_phone = PHONE
        enterprise.save()
        return do_reveal_pii(
            acting_user=p.tongzhou_officer,
            obj=enterprise,
            field_name="contact_phone",
            unit=enterprise.managing_unit,
        )

    def rotate():
        return do_rotate_pii_keys(acting_user=None)

    def _applicant():  # type: ignore[no-untyped-def]
        return member_actions.do_enrol_member(
            acting_user=None,
            union=p.unit("BJ-TZ-YS-YR"),
            data=member_actions.EnrolmentData(name="工友", resident_id=RESIDENT_ID, phone=PHONE),
            channel="SELF_SERVICE",
            consent_given=True,
        )

    def enrol_member():
        return _applicant()

    def approve_membership():
        membership = _applicant_first().membership
        return member_actions.do_approve_membership(acting_user=p.chair, membership=membership)

    def reject_membership():
        membership = _applicant_first().membership
        return member_actions.do_reject_membership(
            acting_user=p.chair, membership=membership, reason="非本单位职工"
        )

    def bulk_approve():
        membership = _applicant_first().membership
        return member_actions.do_bulk_approve_memberships(
            acting_user=p.chair, memberships=[membership], unit=p.unit("BJ-TZ-YS-YR")
        )

    def decide_transfer():
        first = _applicant_first().membership
        member_actions.do_approve_membership(acting_user=p.chair, membership=first)
        joint = org_actions.do_create_org_unit(
            acting_user=p.luyuan_officer, parent=luyuan, code="LY-J", name="工地联合工会", kind="JOINT"
        )
        outcome = member_actions.do_enrol_member(
            acting_user=p.luyuan_officer,
            union=joint,
            data=member_actions.EnrolmentData(name="工友", resident_id=first.person.resident_id),
            channel="CONSOLE",
            consent_given=True,
        )
        _mark_setup_done()
        assert outcome.transfer is not None
        return member_actions.do_decide_transfer(
            acting_user=p.luyuan_officer, transfer=outcome.transfer, approve=True
        )

    # Setup steps that are themselves actions must not count: the test counts from the last marker.
    setup_marks: list[int] = []

    def _mark_setup_done() -> None:
        setup_marks.append(AuditEvent.objects.count())

    def _applicant_first():  # type: ignore[no-untyped-def]
        outcome = _applicant()
        _mark_setup_done()
        return outcome

    return {f.__name__: f for f in [
        create_unit, rename_unit, move_unit, close_unit, create_staff, grant_role, revoke_role, login_failure,
        login, unlock, start_totp, issue_token, register_enterprise, update_enterprise, register_worksite,
        reveal, rotate, enrol_member, approve_membership, reject_membership, bulk_approve, decide_transfer,
        change_password,
    ]} | {"_setup_marks": setup_marks}  # fmt: skip


ACTION_NAMES = [
    "create_unit", "rename_unit", "move_unit", "close_unit", "create_staff", "grant_role", "revoke_role",
    "login_failure", "login", "unlock", "start_totp", "issue_token", "register_enterprise", "update_enterprise",
    "register_worksite", "reveal", "rotate", "enrol_member", "approve_membership", "reject_membership",
    "bulk_approve", "decide_transfer", "change_password",
]  # fmt: skip


@pytest.mark.parametrize("name", ACTION_NAMES)
def test_it_writes_exactly_one_audit_event_per_action(personas, name):
    actions = _actions(personas)
    before = AuditEvent.objects.count()
    actions[name]()
    # Actions that need earlier actions as setup mark where their setup ended.
    before = actions["_setup_marks"][-1] if actions["_setup_marks"] else before
    assert AuditEvent.objects.count() == before + 1


@pytest.mark.parametrize("name", ACTION_NAMES)
def test_it_keeps_phone_numbers_out_of_the_audit_log(personas, name):
    action = _actions(personas)[name]
    action()
    for event in AuditEvent.objects.all():
        payload = json.dumps(
            [event.details, event.changed_fields, event.object_label, event.event_type], ensure_ascii=False
        )
        assert PHONE not in payload
        assert RESIDENT_ID not in payload


def test_it_masks_personal_numbers_that_reach_an_audit_payload(personas):
    event = record_event(
        acting_user=None, event_type="x", details={"note": "call 13812345678", "id": "11011219900101123X"}
    )
    assert event.details == {"note": "call 138********", "id": "110***************"}
    # A name that is a phone number does not stop the action; the audit row masks it.
    unit = org_actions.do_create_org_unit(
        acting_user=personas.luyuan_officer,
        parent=personas.unit("BJ-TZ-LY"),
        code="LY-P",
        name="13812345678工地工会",
        kind=OrgUnit.Kind.JOINT,
    )
    assert unit.name == "13812345678工地工会"
    assert "13812345678" not in AuditEvent.objects.latest("pk").object_label


def test_it_records_who_acted_where(personas):
    unit = org_actions.do_create_org_unit(
        acting_user=personas.luyuan_officer,
        parent=personas.unit("BJ-TZ-LY"),
        code="LY-2",
        name="工地联合工会",
        kind=OrgUnit.Kind.JOINT,
    )
    event = AuditEvent.objects.latest("pk")
    assert event.actor == personas.luyuan_officer
    assert event.acting_unit == personas.unit("BJ-TZ-LY")
    assert event.unit == unit
    assert event.event_type == "org_unit_created"
