"""Not yours == not there: another branch's application, another district's member → 404."""

from typing import Any

from gonghui.cards import queries
from gonghui.cards.models import BankBranch, Card, CardApplication, CardBlank, CardStock, PartnerKey
from gonghui.core.access import get_in_scope


def access_card_application(user: Any, application_id: Any) -> CardApplication:
    """For union officers: an application of their subtree."""
    return get_in_scope(
        queries.applications_in_scope(user).select_related("person", "union", "branch"), application_id
    )


def access_pad_application(user: Any, application_id: Any) -> CardApplication:
    """For a bank operator: an application routed to their own branch."""
    return get_in_scope(
        queries.pad_applications(user).select_related("person", "union", "called_by"), application_id
    )


def access_partner_application(key: PartnerKey, application_id: Any) -> CardApplication:
    return get_in_scope(CardApplication.objects.filter(branch_id=key.branch_id), application_id)


def access_branch(user: Any, branch_id: Any) -> BankBranch:
    return get_in_scope(queries.branches_in_scope(user), branch_id)


def access_branch_to_name(user: Any, branch_id: Any) -> BankBranch:
    return get_in_scope(queries.branches_to_name(user), branch_id)


def access_card_stock(user: Any, stock_id: Any) -> CardStock:
    return get_in_scope(
        CardStock.objects.filter(branch=queries.operator_branch(user)).select_related("branch"), stock_id
    )


def access_card_blank(user: Any, blank_id: Any) -> CardBlank:
    return get_in_scope(CardBlank.objects.filter(stock__branch=queries.operator_branch(user)), blank_id)


def access_card(user: Any, card_id: Any) -> Card:
    from gonghui.orgs.scope import path_q

    return get_in_scope(Card.objects.filter(path_q(user, "application__union__path")), card_id)


def access_partner_key(user: Any, key_id: Any) -> PartnerKey:
    return get_in_scope(PartnerKey.objects.filter(branch__in=queries.branches_in_scope(user)), key_id)
