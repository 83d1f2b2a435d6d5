"""The calculation of one claim, pure (no database): deductible → ratio bands → per-claim cap → what is
left of the per-year cap. Integer fen in, integer fen out; a fraction of a fen is never paid (each band
rounds down), so the sum of the parts is never above what the rules allow."""

from collections.abc import Sequence
from dataclasses import dataclass

FULL_RATIO = 10_000  # basis points: 10000 = 100 %


@dataclass(frozen=True)
class Band:
    """The part of the amount above the deductible up to `upper_fen` (None: everything above the band
    before) is paid at `ratio_bp` basis points."""

    upper_fen: int | None
    ratio_bp: int


@dataclass(frozen=True)
class Rules:
    deductible_fen: int
    bands: tuple[Band, ...]
    per_claim_cap_fen: int
    per_year_cap_fen: int


@dataclass(frozen=True)
class Calculation:
    eligible_fen: int  # self-paid within the scope: what the benefit can reimburse from
    deductible_applied_fen: int
    after_bands_fen: int
    after_claim_cap_fen: int
    payable_fen: int  # after what is left of the year's cap

    @property
    def capped_by_year(self) -> bool:
        return self.payable_fen < self.after_claim_cap_fen


def bands_from_data(data: Sequence[Sequence[int | None]]) -> tuple[Band, ...]:
    """Bands as stored on a plan ([[upper_fen or null, ratio_bp], ...]); the plan action checked them."""
    return tuple(Band(None if upper is None else int(upper), int(ratio or 0)) for upper, ratio in data)


def bands_problem(bands: Sequence[Band]) -> str | None:
    """Why the bands are not usable, or None: ascending upper bounds, only the last open, ratios 0–100 %."""
    if not bands:
        return "bands_empty"
    previous = 0
    for index, band in enumerate(bands):
        if not 0 <= band.ratio_bp <= FULL_RATIO:
            return "band_ratio_out_of_range"
        if band.upper_fen is None:
            if index != len(bands) - 1:
                return "band_open_not_last"
            continue
        if band.upper_fen <= previous:
            return "band_bounds_not_ascending"
        previous = band.upper_fen
    return None


def apply_bands(amount_fen: int, bands: Sequence[Band]) -> int:
    paid = 0
    lower = 0
    for band in bands:
        if amount_fen <= lower:
            break
        upper = amount_fen if band.upper_fen is None else min(amount_fen, band.upper_fen)
        paid += (upper - lower) * band.ratio_bp // FULL_RATIO
        if band.upper_fen is None:
            break
        lower = band.upper_fen
    return paid


def calculate(*, eligible_fen: int, rules: Rules, year_used_fen: int) -> Calculation:
    """What one claim pays, given what the person has been granted this year already."""
    if eligible_fen < 0 or year_used_fen < 0:
        raise ValueError("amounts are never negative")
    deductible = min(eligible_fen, rules.deductible_fen)
    above = eligible_fen - deductible
    after_bands = apply_bands(above, rules.bands)
    after_claim_cap = min(after_bands, rules.per_claim_cap_fen)
    left_this_year = max(rules.per_year_cap_fen - year_used_fen, 0)
    payable = min(after_claim_cap, left_this_year)
    return Calculation(
        eligible_fen=eligible_fen,
        deductible_applied_fen=deductible,
        after_bands_fen=after_bands,
        after_claim_cap_fen=after_claim_cap,
        payable_fen=payable,
    )
