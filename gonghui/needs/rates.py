"""Rates of the 朋友圈, computed from what happened to each need (the timestamps and outcomes its actions
wrote), never typed in: per street, per committee and per member unit, over needs posted in a period.
docs/needs.md gives the exact definitions; each rate is a (numerator, denominator) pair, so a page can
show "7 / 9" and nobody divides by zero.

- response: needs first claimed by their deadline / needs claimed or past their deadline;
- on-time delivery: needs delivered by their deadline / needs delivered or past their deadline;
- resolution: closed resolved / closed resolved or unresolved;
- satisfaction: the requesters' mean score over the needs they confirmed (only their answer counts);
- send-back: claims sent back / claims made;
- people served: head counts and check-ins at the service events.

A need closed as "not ours" is no unit's to answer or deliver: it is left out of the response and
delivery rates (and of resolution)."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from gonghui.needs.models import Claim, Need, Served

NOT_DELIVERED = (Need.Status.OPEN, Need.Status.CLAIMED, Need.Status.SCHEDULED)


@dataclass
class Ratio:
    numerator: int
    denominator: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.numerator / self.denominator, 1) if self.denominator else None


@dataclass
class Rates:
    key: Any
    name: str
    posted: int = 0
    response: Ratio = field(default_factory=lambda: Ratio(0, 0))
    on_time: Ratio = field(default_factory=lambda: Ratio(0, 0))
    resolution: Ratio = field(default_factory=lambda: Ratio(0, 0))
    confirmed: int = 0
    satisfaction_sum: int = 0
    send_back: Ratio = field(default_factory=lambda: Ratio(0, 0))
    served: int = 0
    overdue: int = 0

    @property
    def satisfaction(self) -> float | None:
        return round(self.satisfaction_sum / self.confirmed, 2) if self.confirmed else None


def _need_aggregates(now: datetime.datetime, prefix: str = "") -> dict[str, Any]:
    """Conditional counts over needs; `prefix` reaches the need from another row (a claim: "need__")."""
    p = prefix
    answerable = ~Q(**{f"{p}closure": Need.Closure.NOT_OURS})
    # While a unit waits on the requester the clock stands still: such a need is not yet past its deadline.
    past_due = Q(**{f"{p}due_at__lt": now, f"{p}waiting_since__isnull": True})
    return {
        "posted": Count(f"{p}pk", distinct=True),
        "response_due": Count(
            f"{p}pk",
            filter=answerable & (Q(**{f"{p}first_claimed_at__isnull": False}) | past_due),
            distinct=True,
        ),
        "response_met": Count(
            f"{p}pk", filter=answerable & Q(**{f"{p}first_claimed_at__lte": F(f"{p}due_at")}), distinct=True
        ),
        "delivery_due": Count(
            f"{p}pk",
            filter=answerable & (Q(**{f"{p}delivered_at__isnull": False}) | past_due),
            distinct=True,
        ),
        "delivery_met": Count(
            f"{p}pk", filter=answerable & Q(**{f"{p}delivered_at__lte": F(f"{p}due_at")}), distinct=True
        ),
        "closed_decided": Count(
            f"{p}pk",
            filter=Q(**{f"{p}closure__in": [Need.Closure.RESOLVED, Need.Closure.UNRESOLVED]}),
            distinct=True,
        ),
        "resolved": Count(f"{p}pk", filter=Q(**{f"{p}closure": Need.Closure.RESOLVED}), distinct=True),
        "confirmed": Count(f"{p}pk", filter=Q(**{f"{p}satisfaction__isnull": False}), distinct=True),
        "overdue": Count(
            f"{p}pk",
            filter=Q(**{f"{p}status__in": NOT_DELIVERED}) & past_due,
            distinct=True,
        ),
    }


def _fill(rates: Rates, row: dict[str, Any]) -> None:
    rates.posted = row["posted"]
    rates.response = Ratio(row["response_met"], row["response_due"])
    rates.on_time = Ratio(row["delivery_met"], row["delivery_due"])
    rates.resolution = Ratio(row["resolved"], row["closed_decided"])
    rates.confirmed = row["confirmed"]
    rates.overdue = row["overdue"]


def _period(
    needs: QuerySet[Need], start: datetime.datetime | None, end: datetime.datetime | None, p: str = ""
) -> QuerySet[Any]:
    if start is not None:
        needs = needs.filter(**{f"{p}posted_at__gte": start})
    if end is not None:
        needs = needs.filter(**{f"{p}posted_at__lt": end})
    return needs


def rates_by(
    needs: QuerySet[Need],
    *,
    group: str,
    name: str,
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> list[Rates]:
    """Rates of `needs` grouped by a need field (`committee_id`, `committee__union_id`); `name` is the
    field holding the group's name. Four grouped queries, whatever the number of needs."""
    now = now or timezone.now()
    needs = _period(needs, start, end)
    out: dict[Any, Rates] = {}
    rows = needs.values(group, name).annotate(**_need_aggregates(now)).order_by(name, group)
    for row in rows:
        rates = out.setdefault(row[group], Rates(row[group], row[name]))
        _fill(rates, row)
    # Satisfaction: a plain sum over the needs (not over a join that could repeat them).
    for row in needs.filter(satisfaction__isnull=False).values(group).annotate(total=Sum("satisfaction")):
        out[row[group]].satisfaction_sum = row["total"] or 0
    claims = Claim.objects.filter(need__in=needs.values("pk"))
    for row in claims.values(f"need__{group}").annotate(
        made=Count("pk"), sent_back=Count("pk", filter=Q(status=Claim.Status.SENT_BACK))
    ):
        out[row[f"need__{group}"]].send_back = Ratio(row["sent_back"], row["made"])
    served = Served.objects.filter(event__need__in=needs.values("pk"))
    for row in served.values(f"event__need__{group}").annotate(total=Sum("head_count")):
        out[row[f"event__need__{group}"]].served = row["total"] or 0
    return list(out.values())


def rates_total(
    needs: QuerySet[Need],
    *,
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> Rates:
    now = now or timezone.now()
    needs = _period(needs, start, end)
    total = Rates(None, "")
    _fill(total, needs.aggregate(**_need_aggregates(now)))
    total.satisfaction_sum = needs.aggregate(total=Sum("satisfaction"))["total"] or 0
    claims = Claim.objects.filter(need__in=needs.values("pk")).aggregate(
        made=Count("pk"), sent_back=Count("pk", filter=Q(status=Claim.Status.SENT_BACK))
    )
    total.send_back = Ratio(claims["sent_back"], claims["made"])
    total.served = (
        Served.objects.filter(event__need__in=needs.values("pk")).aggregate(n=Sum("head_count"))["n"] or 0
    )
    return total


def rates_by_unit(
    needs: QuerySet[Need],
    *,
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> list[Rates]:
    """Per member unit, over the needs it claimed: response (its own claim made by the deadline), on-time
    delivery, resolution and satisfaction of the needs it stayed on, its send-backs, and the people
    served at the events it provided."""
    now = now or timezone.now()
    needs = _period(needs, start, end)
    claims = Claim.objects.filter(need__in=needs.values("pk"))
    out: dict[Any, Rates] = {}
    made = claims.values("unit_id", "unit__name").annotate(
        made=Count("pk"),
        sent_back=Count("pk", filter=Q(status=Claim.Status.SENT_BACK)),
        on_time=Count("pk", filter=Q(claimed_at__lte=F("need__due_at"))),
    )
    for row in made.order_by("unit__name", "unit_id"):
        rates = out.setdefault(row["unit_id"], Rates(row["unit_id"], row["unit__name"]))
        rates.posted = row["made"]
        rates.response = Ratio(row["on_time"], row["made"])
        rates.send_back = Ratio(row["sent_back"], row["made"])
    kept = claims.filter(status=Claim.Status.ACTIVE)
    kept_rows: Any = kept.values("unit_id").annotate(**_need_aggregates(now, prefix="need__"))
    for kept_row in kept_rows:
        rates = out[kept_row["unit_id"]]
        rates.on_time = Ratio(kept_row["delivery_met"], kept_row["delivery_due"])
        rates.resolution = Ratio(kept_row["resolved"], kept_row["closed_decided"])
        rates.confirmed = kept_row["confirmed"]
        rates.overdue = kept_row["overdue"]
    scores = kept.filter(need__satisfaction__isnull=False).values("unit_id")
    for score_row in scores.annotate(total=Sum("need__satisfaction")):
        out[score_row["unit_id"]].satisfaction_sum = score_row["total"] or 0
    served = Served.objects.filter(event__need__in=needs.values("pk"))
    for served_row in served.values("event__providers").annotate(total=Sum("head_count")):
        if served_row["event__providers"] in out:
            out[served_row["event__providers"]].served = served_row["total"] or 0
    return list(out.values())
