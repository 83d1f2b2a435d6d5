"""The medical-insurance settlement feed: upload, dry run, commit — and the one function that turns a
chunk of settlement rows into claims (do_import_settlement_rows), used by the import job and the bench.

Each settlement is paid at most once: its id is unique in the database; the same record sent again
changes nothing; a corrected record (same id, other figures) recomputes its claim and leaves a visible
ClaimAdjustment. The per-year accumulators are locked (SELECT … FOR UPDATE, in one order) and the database
refuses a total above the cap, so two imports at once cannot pay past it."""

import datetime
import hashlib
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gonghui.benefits.calculation import Rules, bands_from_data, calculate
from gonghui.benefits.eligibility import PersonFacts, Refusal, decide, load_facts
from gonghui.benefits.models import (
    BenefitPlan,
    ClaimAdjustment,
    FeedImportJob,
    FeedProblem,
    ReimbursementClaim,
    Settlement,
    YearAccumulator,
)
from gonghui.core.audit import record_event
from gonghui.core.errors import Conflict, Forbidden
from gonghui.core.pii import blind_index
from gonghui.members.models import Person
from gonghui.orgs.models import ROLE_RANK, OrgUnit, Role
from gonghui.orgs.scope import rank_at

RANK_IMPORT_FEED = ROLE_RANK[Role.DISTRICT_OFFICER]
Status = ReimbursementClaim.Status


class FeedNotReady(Conflict):
    code = "feed_not_ready"
    default_message = _("Only a checked feed that has not been imported yet can be imported.")


@dataclass(frozen=True)
class SettlementRow:
    """One settlement as read from the feed, checked (amounts in fen, ID normalised)."""

    row: int
    resident_id: str
    settlement_id: str
    kind: str
    service_date: datetime.date
    hospital: str
    hospital_level: str
    total_cost_fen: int
    covered_fen: int
    self_paid_in_scope_fen: int

    def content_hash(self) -> str:
        text = "|".join(
            str(v)
            for v in (
                self.resident_id,
                self.kind,
                self.service_date.isoformat(),
                self.hospital,
                self.hospital_level,
                self.total_cost_fen,
                self.covered_fen,
                self.self_paid_in_scope_fen,
            )
        )
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    code: str
    message: str
    severity: str = FeedProblem.Severity.ERROR


@dataclass
class RowsOutcome:
    counts: Counter[str] = field(default_factory=Counter)
    problems: list[RowProblem] = field(default_factory=list)
    payable_fen: int = 0
    claim_ids: list[int] = field(default_factory=list)


def _require_feed_officer(acting_user: Any, unit: OrgUnit) -> None:
    if rank_at(acting_user, unit) < RANK_IMPORT_FEED:
        raise Forbidden()


@transaction.atomic(durable=True)
def do_upload_settlement_feed(
    *, acting_user: Any, unit: OrgUnit, upload: Any, original_name: str, now: datetime.datetime | None = None
) -> FeedImportJob:
    """Store the file as a job; the job checks it (dry run) before anything is written."""
    now = now or timezone.now()
    _require_feed_officer(acting_user, unit)
    job = FeedImportJob(unit=unit, owner=acting_user, original_name=original_name[:200], created_at=now)
    suffix = next((s for s in (".xlsx", ".xls", ".csv") if original_name.lower().endswith(s)), "")
    job.file.save(f"feed-{uuid.uuid4().hex}{suffix}", upload, save=False)
    job.save()
    record_event(
        acting_user=acting_user,
        event_type="settlement_feed_uploaded",
        obj=job,
        unit=unit,
        details={"file": original_name[:100]},
        now=now,
    )
    return job


@transaction.atomic(durable=True)
def do_request_feed_commit(
    *, acting_user: Any, job: FeedImportJob, now: datetime.datetime | None = None
) -> FeedImportJob:
    now = now or timezone.now()
    _require_feed_officer(acting_user, job.unit)
    job = FeedImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != FeedImportJob.Status.CHECKED or job.committed:
        raise FeedNotReady()
    job.status = FeedImportJob.Status.QUEUED
    job.save(update_fields=["status"])
    record_event(
        acting_user=acting_user,
        event_type="settlement_feed_commit_requested",
        obj=job,
        unit=job.unit,
        now=now,
    )
    return job


def plans_in_force(pairs: set[tuple[int, str]]) -> dict[tuple[int, str], BenefitPlan]:
    if not pairs:
        return {}
    years = {year for year, _kind in pairs}
    plans = BenefitPlan.objects.filter(year__in=years, status=BenefitPlan.Status.ACTIVE)
    return {(p.year, p.kind): p for p in plans}


def rules_of(plan: BenefitPlan) -> Rules:
    return Rules(
        deductible_fen=plan.deductible_fen,
        bands=bands_from_data(plan.bands),
        per_claim_cap_fen=plan.per_claim_cap_fen,
        per_year_cap_fen=plan.per_year_cap_fen,
    )


def lock_accumulators(
    keys: set[tuple[int, int, str]], plans: dict[tuple[int, str], BenefitPlan]
) -> dict[tuple[int, int, str], YearAccumulator]:
    """The accumulators of these (person, year, kind), created if missing, locked FOR UPDATE in one
    order (person, year, kind) so that two imports at once wait for each other instead of deadlocking."""
    ordered = sorted(keys)
    missing = [
        YearAccumulator(person_id=p, year=y, kind=k, used_fen=0, cap_fen=plans[(y, k)].per_year_cap_fen)
        for p, y, k in ordered
        if (y, k) in plans
    ]
    # ON CONFLICT DO NOTHING: a row another import created meanwhile is simply there.
    YearAccumulator.objects.bulk_create(missing, ignore_conflicts=True, batch_size=2000)
    accumulators: dict[tuple[int, int, str], YearAccumulator] = {}
    person_ids = sorted({p for p, _y, _k in ordered})
    for start in range(0, len(person_ids), 2000):
        chunk = person_ids[start : start + 2000]
        rows = (
            YearAccumulator.objects.select_for_update()
            .filter(person_id__in=chunk, year__in={y for _p, y, _k in ordered})
            .order_by("person_id", "year", "kind")
        )
        for acc in rows:
            accumulators[(acc.person_id, acc.year, acc.kind)] = acc
    return accumulators


class _Computer:
    """Decides and computes rows one by one against the locked accumulators."""

    def __init__(self, plans: dict[tuple[int, str], BenefitPlan], accumulators: dict[Any, YearAccumulator]):
        self.plans = plans
        self.accumulators = accumulators
        self.touched: set[tuple[int, int, str]] = set()

    def compute(
        self, *, person_id: int, facts: PersonFacts, row: Any, claim: ReimbursementClaim
    ) -> ReimbursementClaim:
        plan = self.plans.get((row.service_date.year, row.kind))
        decision = decide(facts, service_date=row.service_date, plan=plan, hospital_level=row.hospital_level)
        membership = decision.membership
        claim.membership_id = membership.membership_id if membership else None
        if membership is not None:
            claim.union_id = membership.union_id
        claim.plan = plan
        claim.deductible_applied_fen = claim.after_bands_fen = claim.after_claim_cap_fen = 0
        claim.payable_fen = 0
        if decision.refusal is not None:
            return _refuse(claim, decision.refusal)
        assert plan is not None
        key = (person_id, plan.year, plan.kind)
        accumulator = self.accumulators[key]
        result = calculate(
            eligible_fen=row.self_paid_in_scope_fen, rules=rules_of(plan), year_used_fen=accumulator.used_fen
        )
        claim.deductible_applied_fen = result.deductible_applied_fen
        claim.after_bands_fen = result.after_bands_fen
        claim.after_claim_cap_fen = result.after_claim_cap_fen
        if result.after_claim_cap_fen == 0:
            return _refuse(claim, Refusal.BELOW_DEDUCTIBLE)
        if result.payable_fen == 0:
            return _refuse(claim, Refusal.YEAR_CAP_REACHED)
        claim.payable_fen = result.payable_fen
        claim.accumulated_fen = result.payable_fen
        claim.status = Status.APPROVED
        claim.refusal_code = ""
        claim.note = gettext("Capped by what was left of this year's cap.") if result.capped_by_year else ""
        accumulator.used_fen += result.payable_fen
        accumulator.cap_fen = max(accumulator.cap_fen, plan.per_year_cap_fen, accumulator.used_fen)
        self.touched.add(key)
        return claim

    def release(self, claim: ReimbursementClaim) -> None:
        """Give back what the claim holds of its accumulator (before it is recomputed)."""
        if claim.accumulated_fen == 0:
            return
        key = (claim.person_id, claim.service_date.year, claim.kind)
        accumulator = self.accumulators[key]
        accumulator.used_fen -= claim.accumulated_fen
        claim.accumulated_fen = 0
        self.touched.add(key)


def _refuse(claim: ReimbursementClaim, refusal: Refusal) -> ReimbursementClaim:
    claim.status = Status.REFUSED
    claim.accumulated_fen = 0
    claim.refusal_code = refusal.value
    claim.payable_fen = 0
    claim.note = ""
    return claim


def _copy_row(target: Any, row: SettlementRow) -> None:
    for name in (
        "kind",
        "service_date",
        "hospital",
        "hospital_level",
        "total_cost_fen",
        "covered_fen",
        "self_paid_in_scope_fen",
    ):
        setattr(target, name, getattr(row, name))


CLAIM_FIELDS = [
    "membership",
    "union",
    "plan",
    "kind",
    "service_date",
    "hospital",
    "hospital_level",
    "total_cost_fen",
    "covered_fen",
    "self_paid_in_scope_fen",
    "deductible_applied_fen",
    "after_bands_fen",
    "after_claim_cap_fen",
    "payable_fen",
    "accumulated_fen",
    "status",
    "refusal_code",
    "note",
    "updated_at",
]
SETTLEMENT_FIELDS = [
    "kind",
    "service_date",
    "hospital",
    "hospital_level",
    "total_cost_fen",
    "covered_fen",
    "self_paid_in_scope_fen",
    "content_hash",
    "corrections",
    "updated_at",
]


def do_import_settlement_rows(
    *,
    acting_user: Any,
    job: FeedImportJob,
    rows: list[SettlementRow],
    dry_run: bool,
    now: datetime.datetime | None = None,
) -> RowsOutcome:
    """Claims for one chunk of checked settlement rows, in one transaction with one audit event. A dry
    run does exactly the same work and rolls it back, so its counts are the commit's."""
    now = now or timezone.now()
    _require_feed_officer(acting_user, job.unit)
    with transaction.atomic(durable=True):
        outcome = _import_rows(job=job, rows=rows, now=now)
        if dry_run:
            transaction.set_rollback(True)
        else:
            record_event(
                acting_user=acting_user,
                event_type="settlement_rows_imported",
                obj=job,
                unit=job.unit,
                details={**outcome.counts, "payable_fen": outcome.payable_fen},
                now=now,
            )
    return outcome


def _import_rows(*, job: FeedImportJob, rows: list[SettlementRow], now: datetime.datetime) -> RowsOutcome:
    outcome = RowsOutcome()
    indexes = {row.resident_id: blind_index(row.resident_id, purpose="resident_id") for row in rows}
    person_by_index = dict(
        Person.objects.filter(resident_id_index__in=set(indexes.values())).values_list(
            "resident_id_index", "pk"
        )
    )
    facts = load_facts(person_by_index.values())
    scope = job.unit.path

    def in_scope(person_id: int | None) -> bool:
        # A person outside the officer's area is as unknown as one not in gonghui at all.
        return person_id is not None and any(
            m.union_path.startswith(scope) for m in facts.get(person_id, PersonFacts()).memberships
        )

    existing = {
        s.settlement_id: s
        for s in Settlement.objects.select_for_update(of=("self",))
        .select_related("claim")
        .filter(settlement_id__in=[row.settlement_id for row in rows])
    }
    plans = plans_in_force({(row.service_date.year, row.kind) for row in rows})
    accepted: list[tuple[SettlementRow, int]] = []
    keys: set[tuple[int, int, str]] = set()
    for row in rows:
        person_id = person_by_index.get(indexes[row.resident_id])
        if not in_scope(person_id):
            outcome.problems.append(
                RowProblem(
                    row.row,
                    "公民身份号码",
                    "unknown_person",
                    gettext("No member with this resident ID in your area; the row was not imported."),
                )
            )
            outcome.counts["rejected"] += 1
            continue
        assert person_id is not None
        stored = existing.get(row.settlement_id)
        if stored is not None and stored.person_id != person_id:
            outcome.problems.append(
                RowProblem(
                    row.row,
                    "结算单号",
                    "settlement_other_person",
                    gettext("This settlement number was imported before for another person; check the feed."),
                )
            )
            outcome.counts["rejected"] += 1
            continue
        if stored is not None and stored.content_hash == row.content_hash():
            outcome.problems.append(
                RowProblem(
                    row.row,
                    "结算单号",
                    "settlement_unchanged",
                    gettext("Imported before with the same figures; nothing changed."),
                    FeedProblem.Severity.DUPLICATE,
                )
            )
            outcome.counts["unchanged"] += 1
            continue
        if stored is not None and stored.claim.status in (Status.PAYING, Status.PAID):
            # The money is at the bank or on the card: a reviewer settles the difference, not the feed.
            outcome.problems.append(
                RowProblem(
                    row.row,
                    "结算单号",
                    "settlement_corrected_after_payment",
                    gettext(
                        "The claim of this settlement is already paid or being paid; the correction was not "
                        "applied. Ask the district to review it."
                    ),
                )
            )
            outcome.counts["rejected"] += 1
            continue
        accepted.append((row, person_id))
        keys.add((person_id, row.service_date.year, row.kind))
        if stored is not None:
            claim = stored.claim
            keys.add((person_id, claim.service_date.year, claim.kind))
    accumulators = lock_accumulators(keys, plans)
    # Plans of earlier corrections' claims may be superseded: their accumulators exist already.
    computer = _Computer(plans, accumulators)
    new_settlements: list[Settlement] = []
    new_claims: list[ReimbursementClaim] = []
    changed_settlements: list[Settlement] = []
    changed_claims: list[ReimbursementClaim] = []
    adjustments: list[ClaimAdjustment] = []
    for row, person_id in accepted:
        person_facts = facts[person_id]
        stored = existing.get(row.settlement_id)
        if stored is None:
            settlement = Settlement(
                settlement_id=row.settlement_id,
                person_id=person_id,
                content_hash=row.content_hash(),
                received_at=now,
                updated_at=now,
            )
            _copy_row(settlement, row)
            claim = ReimbursementClaim(
                source=ReimbursementClaim.Source.FEED,
                person_id=person_id,
                created_at=now,
                updated_at=now,
            )
            fallback = person_facts.latest_membership()
            assert fallback is not None  # in_scope() found one
            claim.union_id = fallback.union_id
            _copy_row(claim, row)
            computer.compute(person_id=person_id, facts=person_facts, row=row, claim=claim)
            new_settlements.append(settlement)
            new_claims.append(claim)
        else:
            claim = stored.claim
            before = {name: getattr(claim, name) for name in ("payable_fen", "status", "refusal_code")}
            before_row = {
                name: getattr(stored, name)
                for name in (
                    "total_cost_fen",
                    "covered_fen",
                    "self_paid_in_scope_fen",
                    "service_date",
                    "hospital_level",
                    "kind",
                )
            }
            computer.release(claim)
            _copy_row(stored, row)
            stored.content_hash = row.content_hash()
            stored.corrections += 1
            stored.updated_at = now
            _copy_row(claim, row)
            claim.updated_at = now
            computer.compute(person_id=person_id, facts=person_facts, row=row, claim=claim)
            changes = {
                name: [str(value), str(getattr(stored, name))]
                for name, value in before_row.items()
                if getattr(stored, name) != value
            }
            adjustments.append(
                ClaimAdjustment(
                    claim=claim,
                    previous_payable_fen=before["payable_fen"],
                    new_payable_fen=claim.payable_fen,
                    previous_status=before["status"],
                    new_status=claim.status,
                    changes=changes,
                    created_at=now,
                )
            )
            changed_settlements.append(stored)
            changed_claims.append(claim)
            outcome.counts["adjusted"] += 1
            outcome.problems.append(
                RowProblem(
                    row.row,
                    "结算单号",
                    "settlement_corrected",
                    gettext("A corrected record: the claim was recomputed (%(before)s → %(after)s fen).")
                    % {"before": before["payable_fen"], "after": claim.payable_fen},
                    FeedProblem.Severity.NOTE,
                )
            )
        outcome.counts[claim.status.lower()] += 1
    Settlement.objects.bulk_create(new_settlements, batch_size=2000)
    for settlement, claim in zip(new_settlements, new_claims, strict=True):
        claim.settlement = settlement
    ReimbursementClaim.objects.bulk_create(new_claims, batch_size=2000)
    if changed_settlements:
        Settlement.objects.bulk_update(changed_settlements, SETTLEMENT_FIELDS, batch_size=1000)
        ReimbursementClaim.objects.bulk_update(changed_claims, CLAIM_FIELDS, batch_size=1000)
        ClaimAdjustment.objects.bulk_create(adjustments)
    touched = [accumulators[key] for key in sorted(computer.touched)]
    YearAccumulator.objects.bulk_update(touched, ["used_fen", "cap_fen"], batch_size=2000)
    outcome.payable_fen = sum(c.payable_fen for c in new_claims) + sum(
        a.new_payable_fen - a.previous_payable_fen for a in adjustments
    )
    outcome.claim_ids = [c.pk for c in new_claims + changed_claims]
    return outcome
