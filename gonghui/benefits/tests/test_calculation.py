"""The calculation order deductible → ratio bands → per-claim cap → year accumulator, as properties that
hold for any plan and any amounts (hypothesis), plus a worked example."""

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from gonghui.benefits.calculation import FULL_RATIO, Band, Rules, apply_bands, bands_problem, calculate

fen = st.integers(min_value=0, max_value=10**10)


def settings(*, max_examples: int):  # type: ignore[no-untyped-def]
    """Many examples, never a verdict on time: the machine running the tests may be busy (no deadline,
    no health check on slow generation)."""
    return hypothesis_settings(
        max_examples=max_examples, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )


@st.composite
def rules(draw: st.DrawFn) -> Rules:
    uppers = sorted(set(draw(st.lists(st.integers(min_value=1, max_value=10**9), max_size=4))))
    ratios = draw(
        st.lists(
            st.integers(min_value=0, max_value=FULL_RATIO), min_size=len(uppers) + 1, max_size=len(uppers) + 1
        )
    )
    bands = (*tuple(Band(u, r) for u, r in zip(uppers, ratios, strict=False)), Band(None, ratios[-1]))
    year_cap = draw(fen)
    return Rules(
        deductible_fen=draw(fen),
        bands=bands,
        per_claim_cap_fen=draw(st.integers(min_value=0, max_value=year_cap)),
        per_year_cap_fen=year_cap,
    )


def test_it_pays_the_worked_example():
    plan = Rules(130_000, (Band(1_000_000, 5000), Band(None, 6000)), 1_500_000, 3_000_000)
    # 10,000 yuan self-paid: 1,300 deductible; 8,700 above it at 50 %.
    result = calculate(eligible_fen=1_000_000, rules=plan, year_used_fen=0)
    assert (result.deductible_applied_fen, result.after_bands_fen, result.payable_fen) == (
        130_000,
        435_000,
        435_000,
    )
    # 30,000 yuan: 28,700 above; 10,000 at 50 % + 18,700 at 60 % = 16,220 -> capped at 15,000 per claim.
    result = calculate(eligible_fen=3_000_000, rules=plan, year_used_fen=0)
    assert (result.after_bands_fen, result.after_claim_cap_fen) == (1_622_000, 1_500_000)
    # With 20,000 already granted this year only 10,000 is left.
    assert calculate(eligible_fen=3_000_000, rules=plan, year_used_fen=2_000_000).payable_fen == 1_000_000


@settings(max_examples=300)
@given(rules(), fen, fen)
def test_it_keeps_every_step_within_the_one_before(plan: Rules, eligible: int, used: int):
    result = calculate(eligible_fen=eligible, rules=plan, year_used_fen=used)
    assert result.deductible_applied_fen == min(eligible, plan.deductible_fen)
    assert 0 <= result.after_bands_fen <= eligible - result.deductible_applied_fen
    assert result.after_claim_cap_fen == min(result.after_bands_fen, plan.per_claim_cap_fen)
    assert 0 <= result.payable_fen <= result.after_claim_cap_fen
    assert result.payable_fen <= max(plan.per_year_cap_fen - used, 0)


@settings(max_examples=300)
@given(rules(), fen, st.integers(min_value=0, max_value=10**6))
def test_it_never_pays_less_for_a_larger_bill(plan: Rules, eligible: int, more: int):
    smaller = calculate(eligible_fen=eligible, rules=plan, year_used_fen=0).payable_fen
    larger = calculate(eligible_fen=eligible + more, rules=plan, year_used_fen=0).payable_fen
    assert smaller <= larger


@settings(max_examples=200)
@given(rules(), st.lists(fen, max_size=30))
def test_it_never_lets_the_year_accumulator_pass_the_cap(plan: Rules, bills: list[int]):
    used = 0
    for bill in bills:
        used += calculate(eligible_fen=bill, rules=plan, year_used_fen=used).payable_fen
        assert used <= plan.per_year_cap_fen


@settings(max_examples=200)
@given(rules(), fen)
def test_it_pays_nothing_up_to_the_deductible(plan: Rules, eligible: int):
    if eligible <= plan.deductible_fen:
        assert calculate(eligible_fen=eligible, rules=plan, year_used_fen=0).payable_fen == 0


@settings(max_examples=200)
@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=FULL_RATIO))
def test_it_pays_a_single_band_as_its_ratio_rounded_down(amount: int, ratio: int):
    assert apply_bands(amount, (Band(None, ratio),)) == amount * ratio // FULL_RATIO


def test_it_names_what_is_wrong_with_bands():
    assert bands_problem(()) == "bands_empty"
    assert bands_problem((Band(None, 5000), Band(100, 5000))) == "band_open_not_last"
    assert bands_problem((Band(200, 5000), Band(100, 5000))) == "band_bounds_not_ascending"
    assert bands_problem((Band(None, 10_001),)) == "band_ratio_out_of_range"
    assert bands_problem((Band(100, 5000), Band(None, 6000))) is None
