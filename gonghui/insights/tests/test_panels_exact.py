"""Every panel's numbers equal a count taken straight from the base tables, at each level of the tree."""

import datetime
import statistics

from django.utils import timezone

from gonghui.cards.models import Card, CardApplication
from gonghui.enterprises.models import Enterprise, IntentLetter
from gonghui.insights import queries
from gonghui.insights.panels.cards import WAITING
from gonghui.insights.tests.conftest import START, period_end
from gonghui.meetings.models import Meeting
from gonghui.meetings.queries import area_funnel
from gonghui.members.models import Membership, Transfer
from gonghui.orgs.models import OrgUnit

LEVELS = ["BJ", "BJ-TZ", "BJ-TZ-LY", "BJ-TZ-YS", "BJ-HD"]
ACCEPTED = ["ACTIVE", "TRANSFERRED_OUT", "ENDED"]


def dashboard_of(user, unit, start=START, end=None):
    return queries.get_dashboard(
        acting_user=user, unit=unit, start=start, end=end or period_end(), now=timezone.now()
    )


def panels(dashboard):
    return {p.key: p for p in dashboard.panels}


def under(unit: OrgUnit, path: str) -> bool:
    return path.startswith(unit.path)


def test_it_counts_members_exactly(story):
    for code in LEVELS:
        unit = story.unit(code)
        members = panels(dashboard_of(story.city_admin, unit))["members"]
        mine = [m for m in Membership.objects.select_related("union") if under(unit, m.union.path)]
        arrived_by_transfer = set(Transfer.objects.values_list("to_membership_id", flat=True))
        assert members.stat("active") == sum(m.status == "ACTIVE" for m in mine)
        assert members.stat("new") == sum(
            m.status in ACCEPTED and m.joined_date is not None and m.pk not in arrived_by_transfer
            for m in mine
        )
        assert members.stat("pending") == sum(m.status == "PENDING" for m in mine)
        transfers = list(
            Transfer.objects.filter(status="APPROVED").select_related(
                "from_membership__union", "to_membership__union"
            )
        )
        assert members.stat("transfers_in") == sum(
            under(unit, t.to_membership.union.path) and not under(unit, t.from_membership.union.path)
            for t in transfers
        )
        assert members.stat("transfers_out") == sum(
            under(unit, t.from_membership.union.path) and not under(unit, t.to_membership.union.path)
            for t in transfers
        )
        # The drill-down rows: each child's active members, counted for that child alone.
        for row in members.table("by_unit").rows:
            child = OrgUnit.objects.get(pk=row.unit_id)
            assert (
                row.cells[1]
                == Membership.objects.filter(union__path__startswith=child.path, status="ACTIVE").count()
            )


def test_it_shows_the_transfer_as_out_of_yongshun_and_into_luyuan(story):
    out_of = panels(dashboard_of(story.city_admin, story.unit("BJ-TZ-YS")))["members"]
    into = panels(dashboard_of(story.city_admin, story.unit("BJ-TZ-LY")))["members"]
    district = panels(dashboard_of(story.city_admin, story.unit("BJ-TZ")))["members"]
    assert (out_of.stat("transfers_out"), out_of.stat("transfers_in")) == (1, 0)
    assert (into.stat("transfers_in"), into.stat("transfers_out")) == (1, 0)
    # Within the district it is neither in nor out.
    assert (
        district.stat("transfers_in"),
        district.stat("transfers_out"),
        district.stat("transfers_within"),
    ) == (0, 0, 1)


def test_it_counts_new_members_per_month_by_channel(story):
    members = panels(dashboard_of(story.city_admin, story.unit("BJ")))["members"]
    arrived_by_transfer = set(Transfer.objects.values_list("to_membership_id", flat=True))
    new = Membership.objects.filter(status__in=ACCEPTED, joined_date__isnull=False).exclude(
        pk__in=arrived_by_transfer
    )
    channels = ["STAFF_MOBILE", "SELF_SERVICE", "IMPORT", "CONSOLE"]
    for row in members.table("new_by_channel").rows:
        year, month = (int(part) for part in str(row.cells[0]).split("-"))
        in_month = new.filter(joined_date__year=year, joined_date__month=month)
        for index, channel in enumerate(channels, start=1):
            assert row.cells[index] == in_month.filter(channel=channel).count(), (row.cells[0], channel)
        assert row.cells[-1] == in_month.count()
    assert sum(int(row.cells[-1] or 0) for row in members.table("new_by_channel").rows) == new.count()
    assert new.count() == members.stat("new") > 0


def test_it_ages_pending_applications(story):
    pending_all = list(Membership.objects.filter(status="PENDING"))
    pending = min(pending_all, key=lambda m: m.applied_at)  # the oldest decides the age
    later = timezone.now() + datetime.timedelta(days=10)
    dashboard = queries.get_dashboard(
        acting_user=story.city_admin,
        unit=story.unit("BJ"),
        start=START,
        end=period_end(),
        now=later,
    )
    members = panels(dashboard)["members"]
    expected_age = (timezone.localdate(later) - timezone.localdate(pending.applied_at)).days
    assert members.stat("pending_oldest_days") == expected_age
    bands = {r.cells[0]: r.cells[1] for r in members.table("pending_age").rows}
    assert sum(bands.values()) == len(pending_all)


def test_it_counts_establishment_exactly(story):
    for code in LEVELS:
        unit = story.unit(code)
        panel = panels(dashboard_of(story.city_admin, unit))["establishment"]
        mine = [
            e for e in Enterprise.objects.select_related("managing_unit") if under(unit, e.managing_unit.path)
        ]
        large = [e for e in mine if e.employee_count >= 100]
        with_union = [e for e in large if e.union_id is not None]
        with_intent = set(IntentLetter.objects.values_list("enterprise_id", flat=True))
        assert panel.stat("enterprises") == len(mine)
        assert panel.stat("large") == len(large)
        assert panel.stat("large_with_union") == len(with_union)
        assert panel.stat("coverage") == (f"{100 * len(with_union) / len(large):.1f}%" if large else "—")
        assert panel.stat("large_with_intent") == sum(
            e.union_id is None and e.pk in with_intent for e in large
        )
        assert (
            panel.stat("new_unions")
            == OrgUnit.objects.filter(path__startswith=unit.path, kind__in=["GRASSROOTS", "JOINT"]).count()
        )


def test_it_counts_the_city_coverage_of_the_story(story):
    panel = panels(dashboard_of(story.city_admin, story.unit("BJ")))["establishment"]
    # 云锐 (160 staff) and 新意 (320 staff) are both 100+ enterprises; the rate follows their unions.
    with_union = Enterprise.objects.filter(employee_count__gte=100, union__isnull=False).count()
    assert panel.stat("large") == Enterprise.objects.filter(employee_count__gte=100).count() >= 2
    assert panel.stat("large_with_union") == with_union
    assert panel.stat("coverage") == f"{100 * with_union / panel.stat('large'):.1f}%"


def test_it_counts_cards_exactly(story):
    for code in LEVELS:
        unit = story.unit(code)
        panel = panels(dashboard_of(story.city_admin, unit))["cards"]
        applications = CardApplication.objects.filter(union__path__startswith=unit.path)
        cards = Card.objects.filter(application__union__path__startswith=unit.path)
        assert panel.stat("applied") == applications.count()
        assert panel.stat("issued") == cards.count()
        assert panel.stat("activated") == cards.filter(activated_at__isnull=False).count()
        assert panel.stat("waiting") == applications.filter(status__in=WAITING).count()
        timed = [
            (a.completed_at - a.called_at).total_seconds() / 60
            for a in applications.filter(branch__isnull=False)
            if a.completed_at is not None and a.called_at is not None
        ]
        assert panel.stat("median_minutes") == (round(statistics.median(timed), 1) if timed else "—")


def test_the_story_has_cards_to_count(story):
    panel = panels(dashboard_of(story.city_admin, story.unit("BJ")))["cards"]
    assert panel.stat("issued") >= 1 and panel.stat("applied") >= 1


def test_it_counts_meetings_exactly_and_as_the_meetings_funnel_does(story):
    for code in LEVELS:
        unit = story.unit(code)
        end = period_end()
        panel = panels(dashboard_of(story.city_admin, unit, end=end))["meetings"]
        # The story plans weekly meetings ahead: those after the period are not counted.
        meetings = Meeting.objects.filter(
            organiser__path__startswith=unit.path, starts_at__date__lte=end
        ).exclude(status="CANCELLED")
        assert panel.stat("meetings") == meetings.count()
        assert panel.stat("held") == meetings.filter(status__in=["HELD", "CLOSED"]).count()
        tz = timezone.get_current_timezone()
        funnel = area_funnel(
            acting_user=story.city_admin,
            unit=unit,
            start=datetime.datetime.combine(START, datetime.time(), tzinfo=tz),
            end=datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time(), tzinfo=tz),
        )
        for stage in funnel.people:
            assert panel.stat(stage.key) == stage.count, stage.key
        assert (
            panel.stat("intents_signed")
            == IntentLetter.objects.filter(enterprise__managing_unit__path__startswith=unit.path).count()
        )


def test_it_measures_the_cadence_per_street_week(story):
    """One held meeting organised by 潞源街道 in a one-week period: 1 of 1 street-week for 潞源, 1 of 3 for
    通州 (three streets)."""
    held = (
        Meeting.objects.filter(organiser__kind="STREET", status__in=["HELD", "CLOSED"])
        .order_by("starts_at")
        .first()
    )
    assert held is not None
    day = timezone.localdate(held.starts_at)
    monday = day - datetime.timedelta(days=day.weekday())
    street = held.organiser
    district = street.parent
    in_week = (
        Meeting.objects.filter(
            organiser__parent=district,
            organiser__kind="STREET",
            status__in=["HELD", "CLOSED"],
            starts_at__date__gte=monday,
            starts_at__date__lte=monday + datetime.timedelta(days=6),
        )
        .values("organiser")
        .distinct()
        .count()
    )
    streets = OrgUnit.objects.filter(parent=district, kind="STREET", status="ACTIVE").count()
    panel = panels(
        dashboard_of(story.city_admin, district, start=monday, end=monday + datetime.timedelta(days=6))
    )["meetings"]
    row = next(r for r in panel.table("cadence").rows if r.cells[1] == streets)
    assert row.cells[2:4] == [streets, in_week]
