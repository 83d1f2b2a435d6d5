from django import template

from gonghui.cards.actions import RejectReason

register = template.Library()


@register.filter
def reject_reason_label(code: str) -> str:
    """The Chinese reason a card application was stopped; the bank's code stays on the page in <code>."""
    return str(RejectReason.LABELS.get(code, code))
