"""Rates against a hand-counted fixture. Six needs of 潞源's committee posted on 6月1日 (7-day deadline),
read on 6月11日:

  A  volunteers claim day 1, serve 10 on day 3, resolved, requester scores 5
  B  bank claims day 8 (late), serves 20 on day 9 (late), resolved, requester scores 3
  C  volunteers claim day 1 and send it back day 2; bank claims day 2; closed unresolved day 5
  D  nobody claims it: overdue
  E  closed "not ours" by the officer within the hour
  F  posted day 9, not yet due, unclaimed

By hand — response: A, C on time of A, B, C, D judged (E not ours, F not due) = 2/4; on-time delivery:
A of A, B, C, D = 1/4; resolution: A, B of A, B, C = 2/3; satisfaction (5+3)/2 = 4.0; send-back: 1 of
4 claims; served 30; overdue: D.
Volunteers: response 2/2, send-back 1/2, on time 1/1 (A), resolution 1/1, satisfaction 5, served 10.
Bank: response 1/2 (B late, C on time), send-back 0/2, on time 0/2, resolution 1/2, satisfaction 3,
served 20."""

import datetime
import zoneinfo

from gonghui.needs import actions, queries, rates
from gonghui.needs.models import Need

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
T0 = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=BEIJING)
NOW = T0 + datetime.timedelta(days=10)


def day(n: float) -> datetime.datetime:
    return T0 + datetime.timedelta(days=n)


def _fixture(circle):  # type: ignore[no-untyped-def]
    officer = circle.personas.luyuan_officer
    vol, bank = circle.barber, circle.banker
    a = circle.post(title="A", now=T0)
    actions.do_claim_need(acting_user=vol, need=a, work_types=[circle.haircut], now=day(1))
    event = actions.do_schedule_service(acting_user=vol, need=a, starts_at=day(3), place="工地", now=day(1.5))
    actions.do_record_served(acting_user=vol, event=event, head_count=10, now=day(3))
    actions.do_close_need(acting_user=vol, need=a, closure=Need.Closure.RESOLVED, now=day(3.1))
    actions.do_confirm_need(acting_user=officer, need=a, satisfaction=5, now=day(4))

    b = circle.post(title="B", work_type=circle.finance, now=T0)
    actions.do_claim_need(acting_user=bank, need=b, work_types=[circle.finance], now=day(8))
    event = actions.do_schedule_service(
        acting_user=bank, need=b, starts_at=day(9), place="工地", now=day(8.5)
    )
    actions.do_record_served(acting_user=bank, event=event, head_count=20, now=day(9))
    actions.do_close_need(acting_user=bank, need=b, closure=Need.Closure.RESOLVED, now=day(9.1))
    actions.do_confirm_need(acting_user=officer, need=b, satisfaction=3, now=day(9.5))

    c = circle.post(title="C", now=T0)
    actions.do_claim_need(acting_user=vol, need=c, work_types=[circle.haircut], now=day(1))
    actions.do_send_back_need(acting_user=vol, need=c, reason="排不开", now=day(2))
    actions.do_claim_need(acting_user=bank, need=c, work_types=[circle.finance], now=day(2))
    actions.do_close_need(
        acting_user=bank, need=c, closure=Need.Closure.UNRESOLVED, reason="没有理发师", now=day(5)
    )

    circle.post(title="D", now=T0)
    e = circle.post(title="E", now=T0)
    actions.do_close_need(
        acting_user=officer, need=e, closure=Need.Closure.NOT_OURS, reason="物业负责", now=day(0.05)
    )
    circle.post(title="F", now=day(9))


def _pairs(r: rates.Rates) -> dict[str, object]:
    return {
        "response": (r.response.numerator, r.response.denominator),
        "on_time": (r.on_time.numerator, r.on_time.denominator),
        "resolution": (r.resolution.numerator, r.resolution.denominator),
        "satisfaction": r.satisfaction,
        "send_back": (r.send_back.numerator, r.send_back.denominator),
        "served": r.served,
        "overdue": r.overdue,
    }


def test_it_counts_the_committees_rates_as_counted_by_hand(circle):
    _fixture(circle)
    needs = queries.needs_in_scope(circle.personas.luyuan_officer)
    [committee] = rates.rates_by(needs, group="committee_id", name="committee__name", now=NOW)
    assert committee.posted == 6
    assert _pairs(committee) == {
        "response": (2, 4),
        "on_time": (1, 4),
        "resolution": (2, 3),
        "satisfaction": 4.0,
        "send_back": (1, 4),
        "served": 30,
        "overdue": 1,
    }
    assert committee.response.percent == 50.0
    total = rates.rates_total(needs, now=NOW)
    assert _pairs(total) == _pairs(committee)


def test_it_counts_each_units_rates_as_counted_by_hand(circle):
    _fixture(circle)
    needs = queries.needs_in_scope(circle.personas.luyuan_officer)
    by_unit = {r.name: r for r in rates.rates_by_unit(needs, now=NOW)}
    assert _pairs(by_unit["通州区帮扶志愿服务队"]) == {
        "response": (2, 2),
        "on_time": (1, 1),
        "resolution": (1, 1),
        "satisfaction": 5.0,
        "send_back": (1, 2),
        "served": 10,
        "overdue": 0,
    }
    assert _pairs(by_unit["北京银行潞城支行"]) == {
        "response": (1, 2),
        "on_time": (0, 2),
        "resolution": (1, 2),
        "satisfaction": 3.0,
        "send_back": (0, 2),
        "served": 20,
        "overdue": 0,
    }


def test_it_gives_the_district_one_row_per_street_in_its_area_only(circle):
    _fixture(circle)
    personas = circle.personas
    by_street = rates.rates_by(
        queries.needs_in_scope(personas.tongzhou_officer),
        group="committee__union_id",
        name="committee__union__name",
        now=NOW,
    )
    assert [(r.name, r.posted) for r in by_street] == [("潞源街道总工会", 6)]
    city = rates.rates_by(
        queries.needs_in_scope(personas.city_admin),
        group="committee__union_id",
        name="committee__union__name",
        now=NOW,
    )
    assert sorted((r.name, r.posted) for r in city) == [("潞源街道总工会", 6), ("甘家口街道总工会", 1)]
    # A period: only the needs posted in it.
    june = rates.rates_total(queries.needs_in_scope(personas.city_admin), start=T0, end=day(5), now=NOW)
    assert june.posted == 5
