"""One case per card action for the discovered inventory (core/tests/test_action_inventory.py): each case
sets up what its action needs through the other actions, then returns the one call whose audit events
are counted."""

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from gonghui.cards import actions
from gonghui.cards.actions.partner_updates import StatusUpdate
from gonghui.cards.models import CardBlank, CardStock, PartnerKey
from gonghui.cards.tests.helpers import apply, branch, enrol, fingerprint, reading_for, walk_to_authorised
from gonghui.core.errors import DomainError
from gonghui.demo.cards import load_card_branches
from gonghui.demo.personas import PASSWORD, Personas
from gonghui.members.models import Membership

Run = Callable[[], Any]


def _with_branches(p: Personas) -> Personas:
    load_card_branches(p.story, demo_password=PASSWORD)
    return p


def _routed(p: Personas, n: int = 1) -> Any:
    return apply(_with_branches(p), enrol(p, n, phone=f"1390000{n:04d}"))


def _authorised(p: Personas) -> Any:
    return walk_to_authorised(_routed(p), p.bank_operator)


def _issued(p: Personas) -> Any:
    application = _authorised(p)
    actions.do_issue_card(acting_user=p.bank_operator, application=application)
    return application


def _refused(run: Run, error: type[DomainError]) -> Run:
    """For an action that writes its event and then refuses (a wrong code counts as a try)."""

    def call() -> None:
        with pytest.raises(error):
            run()

    return call


def create_card_application(p: Personas) -> Run:
    membership = enrol(_with_branches(p), 1)
    return lambda: actions.do_create_card_application(acting_user=p.chair, membership=membership)


def create_card_applications_for_union(p: Personas) -> Run:
    enrol(_with_branches(p), 1)
    return lambda: actions.do_create_card_applications_for_union(
        acting_user=p.chair, union=p.unit("BJ-TZ-YS-YR")
    )


def apply_for_card_self_service(p: Personas) -> Run:
    membership = enrol(_with_branches(p), 1)
    return lambda: actions.do_apply_for_card_self_service(membership=membership)


def route_card_application(p: Personas) -> Run:
    application = _routed(p)
    return lambda: actions.do_route_card_application(
        acting_user=p.chair, application=application, branch=branch("BOB-LC")
    )


def cancel_card_application(p: Personas) -> Run:
    application = _routed(p)
    return lambda: actions.do_cancel_card_application(acting_user=p.chair, application=application)


def call_card_application(p: Personas) -> Run:
    application = _routed(p)
    return lambda: actions.do_call_card_application(acting_user=p.bank_operator, application=application)


def record_id_card_read(p: Personas) -> Run:
    application = actions.do_call_card_application(acting_user=p.bank_operator, application=_routed(p))
    return lambda: actions.do_record_id_card_read(
        acting_user=p.bank_operator, application=application, reading=reading_for(application)
    )


def authorise_card_application(p: Personas) -> Run:
    application = actions.do_call_card_application(acting_user=p.bank_operator, application=_routed(p))
    application = actions.do_record_id_card_read(
        acting_user=p.bank_operator, application=application, reading=reading_for(application)
    )
    return lambda: actions.do_authorise_card_application(
        acting_user=p.bank_operator,
        application=application,
        confirmation=fingerprint(application, p.bank_operator),
    )


def issue_card(p: Personas) -> Run:
    application = _authorised(p)
    return lambda: actions.do_issue_card(acting_user=p.bank_operator, application=application)


def link_medical_insurance(p: Personas) -> Run:
    application = _issued(p)
    return lambda: actions.do_link_medical_insurance(
        acting_user=p.bank_operator, application=application, account_reference="1101 1200 0123 4567"
    )


def complete_card_application(p: Personas) -> Run:
    application = _issued(p)
    return lambda: actions.do_complete_card_application(acting_user=p.bank_operator, application=application)


def reject_card_application(p: Personas) -> Run:
    application = actions.do_call_card_application(acting_user=p.bank_operator, application=_routed(p))
    return lambda: actions.do_reject_card_application(
        acting_user=p.bank_operator, application=application, reason=actions.RejectReason.MEMBER_ABSENT
    )


def _partner_key(p: Personas) -> PartnerKey:
    key, _secret = actions.do_issue_partner_key(acting_user=None, branch=branch("BOB-TZ"))
    return key


def partner_update_status(p: Personas) -> Run:
    application = _routed(p)
    key = _partner_key(p)
    return lambda: actions.do_partner_update_status(
        key=key,
        application=application,
        update=StatusUpdate(status="REJECTED", reason=actions.RejectReason.DUPLICATE_ACCOUNT),
    )


def record_partner_refusal(p: Personas) -> Run:
    return lambda: actions.do_record_partner_refusal(
        key_id="unknown",
        code="partner_key_unknown",
        method="GET",
        path="/api/v1/partner/applications",
        remote_addr="",
    )


def record_partner_disclosure(p: Personas) -> Run:
    application = _routed(p)
    key = _partner_key(p)
    return lambda: actions.do_record_partner_disclosure(key=key, application_ids=[application.pk])


def report_card_lost(p: Personas) -> Run:
    card = actions.do_issue_card(acting_user=p.bank_operator, application=_authorised(p))
    return lambda: actions.do_report_card_lost(acting_user=p.chair, card=card, replace=False)


def cancel_cards_for_membership_end(p: Personas) -> Run:
    application = _issued(p)
    membership = application.membership
    # No action ends a membership yet; the end is recorded as it would be.
    Membership.objects.filter(pk=membership.pk).update(status="ENDED", ended_at=timezone.now())
    membership.refresh_from_db()
    return lambda: actions.do_cancel_cards_for_membership_end(acting_user=p.chair, membership=membership)


def create_bank_branch(p: Personas) -> Run:
    return lambda: actions.do_create_bank_branch(
        acting_user=p.tongzhou_officer,
        code="ICBC-TZ",
        bank_name="工商银行",
        name="通州支行",
        serves_unit=p.unit("BJ-TZ-YS"),
        bin_prefix="621226",
    )


def assign_branch_operator(p: Personas) -> Run:
    _with_branches(p)
    return lambda: actions.do_assign_branch_operator(
        acting_user=p.tongzhou_officer, branch=branch("BOB-LC"), user=p.bank_operator
    )


def create_card_stock(p: Personas) -> Run:
    _with_branches(p)
    return lambda: actions.do_create_card_stock(
        acting_user=p.bank_operator, branch=branch("BOB-TZ"), label="第二盒"
    )


def load_card_batch(p: Personas) -> Run:
    _with_branches(p)
    stock = actions.do_create_card_stock(acting_user=p.bank_operator, branch=branch("BOB-TZ"), label="第二盒")
    number = _free_number(stock)
    return lambda: actions.do_load_card_batch(acting_user=p.bank_operator, stock=stock, numbers=[number])


def _free_number(stock: CardStock) -> str:
    from stdnum import luhn

    body = f"{stock.branch.bin_prefix}99{stock.pk:07d}"
    return body + luhn.calc_check_digit(body)


def void_card_blank(p: Personas) -> Run:
    _with_branches(p)
    blank = CardBlank.objects.filter(stock__branch=branch("BOB-TZ"), status=CardBlank.Status.FREE).first()
    assert blank is not None
    return lambda: actions.do_void_card_blank(acting_user=p.bank_operator, blank=blank, reason="芯片损坏")


def issue_partner_key(p: Personas) -> Run:
    _with_branches(p)
    return lambda: actions.do_issue_partner_key(acting_user=p.tongzhou_officer, branch=branch("BOB-TZ"))


def revoke_partner_key(p: Personas) -> Run:
    _with_branches(p)
    key = _partner_key(p)
    return lambda: actions.do_revoke_partner_key(acting_user=p.tongzhou_officer, key=key)


def remember_partner_nonce(p: Personas) -> Run:
    _with_branches(p)
    key, now = _partner_key(p), timezone.now()
    return lambda: actions.do_remember_partner_nonce(
        key=key, nonce="n" * 24, expires_at=now + datetime.timedelta(minutes=10), now=now
    )


def stamp_partner_key_used(p: Personas) -> Run:
    _with_branches(p)
    key = _partner_key(p)
    return lambda: actions.do_stamp_partner_key_used(key=key, now=timezone.now())


def send_card_self_code(p: Personas) -> Run:
    enrol(_with_branches(p), 1, phone="13900001111")
    return lambda: actions.do_send_card_self_code(phone="13900001111", address="10.0.0.1")


def verify_card_self_code(p: Personas) -> Run:
    enrol(_with_branches(p), 1, phone="13900001111")
    actions.do_send_card_self_code(phone="13900001111", address="10.0.0.1")
    return _refused(
        lambda: actions.do_verify_card_self_code(phone="13900001111", code="000000"), actions.CodeWrong
    )


# Bookkeeping (no audit event): the partner API's nonces and last use of a key.
BOOKKEEPING = {"do_remember_partner_nonce", "do_stamp_partner_key_used"}

ACTION_CASES: dict[str, Callable[[Personas], Run]] = {
    f"do_{case.__name__}": case
    for case in [
        create_card_application,
        create_card_applications_for_union,
        apply_for_card_self_service,
        route_card_application,
        cancel_card_application,
        call_card_application,
        record_id_card_read,
        authorise_card_application,
        issue_card,
        link_medical_insurance,
        complete_card_application,
        reject_card_application,
        partner_update_status,
        record_partner_refusal,
        record_partner_disclosure,
        report_card_lost,
        cancel_cards_for_membership_end,
        create_bank_branch,
        assign_branch_operator,
        create_card_stock,
        load_card_batch,
        void_card_blank,
        issue_partner_key,
        revoke_partner_key,
        remember_partner_nonce,
        stamp_partner_key_used,
        send_card_self_code,
        verify_card_self_code,
    ]
}
