"""Console forms: plans (amounts typed in yuan, stored in fen), the manual claim, the feed upload."""

import datetime
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.benefits.actions.plans import PlanData
from gonghui.benefits.calculation import Band
from gonghui.benefits.models import BenefitKind, BenefitPlan, HospitalLevel
from gonghui.core.forms import FreeTextField, NameField
from gonghui.orgs.forms import UnitChoiceField
from gonghui.orgs.models import OrgUnit


def to_fen(value: Decimal) -> int:
    return int(value * 100)


def yuan(fen: int | None) -> Decimal:
    return Decimal(fen or 0) / 100


class YuanField(forms.DecimalField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", Decimal(0))
        kwargs.setdefault("max_value", Decimal(1_000_000_000))
        super().__init__(max_digits=12, decimal_places=2, **kwargs)


_BAND_LINE = re.compile(r"^\s*(\d+(?:\.\d{1,2})?|\*)\s*[:：\s]\s*(\d+(?:\.\d{1,2})?)\s*%?\s*$")


class BandsField(forms.CharField):
    """One band a line: "<upper bound in yuan of the amount above the deductible> <percent>", the last
    line "* <percent>" for everything above. E.g. "10000 50" then "* 60"."""

    widget = forms.Textarea(attrs={"rows": 4})

    def to_python(self, value: Any) -> tuple[Band, ...]:  # type: ignore[override]
        text = super().to_python(value)
        bands = []
        for line in str(text).splitlines():
            if not line.strip():
                continue
            match = _BAND_LINE.match(line)
            if not match:
                raise forms.ValidationError(
                    _("Write each band as “upper bound in yuan, percent”, the last as “* percent”.")
                )
            upper, percent = match.groups()
            bands.append(Band(None if upper == "*" else to_fen(Decimal(upper)), int(Decimal(percent) * 100)))
        return tuple(bands)


def bands_text(bands: list[list[int | None]]) -> str:
    return "\n".join(f"{'*' if u is None else yuan(u)} {Decimal(r or 0) / 100}" for u, r in bands)


class PlanForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label=_("Benefit"), choices=BenefitKind.choices)
    name = NameField(label=_("Name"), max_length=100)
    is_example = forms.BooleanField(label=_("Example data (not the real figures)"), required=False)
    deductible = YuanField(label=_("Deductible (yuan)"))
    bands = BandsField(
        label=_("Ratio bands"),
        help_text=_(
            "One a line: upper bound in yuan above the deductible and percent; the last line “* percent”."
        ),
    )
    per_claim_cap = YuanField(label=_("Cap per claim (yuan)"))
    per_year_cap = YuanField(label=_("Cap per year (yuan)"))
    waiting_days = forms.IntegerField(
        label=_("Waiting period after joining (days)"), min_value=0, max_value=3650
    )
    eligible_levels = forms.MultipleChoiceField(
        label=_("Hospital levels covered"), choices=HospitalLevel.choices, widget=forms.CheckboxSelectMultiple
    )

    @classmethod
    def initial_from(cls, plan: BenefitPlan) -> dict[str, Any]:
        return {
            "year": plan.year,
            "kind": plan.kind,
            "name": plan.name,
            "is_example": plan.is_example,
            "deductible": yuan(plan.deductible_fen),
            "bands": bands_text(plan.bands),
            "per_claim_cap": yuan(plan.per_claim_cap_fen),
            "per_year_cap": yuan(plan.per_year_cap_fen),
            "waiting_days": plan.waiting_days,
            "eligible_levels": plan.eligible_levels,
        }

    def to_data(self) -> PlanData:
        values = self.cleaned_data
        return PlanData(
            year=values["year"],
            kind=values["kind"],
            name=values["name"],
            is_example=values["is_example"],
            deductible_fen=to_fen(values["deductible"]),
            bands=values["bands"],
            per_claim_cap_fen=to_fen(values["per_claim_cap"]),
            per_year_cap_fen=to_fen(values["per_year_cap"]),
            waiting_days=values["waiting_days"],
            eligible_levels=tuple(values["eligible_levels"]),
        )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:  # type: ignore[override]
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class ManualClaimForm(forms.Form):
    resident_id = forms.CharField(label=_("Member's resident ID"), max_length=30)
    kind = forms.ChoiceField(label=_("Benefit"), choices=BenefitKind.choices)
    service_date = forms.DateField(label=_("Date of service"), widget=forms.DateInput(attrs={"type": "date"}))
    hospital = NameField(label=_("Hospital"), max_length=200)
    hospital_level = forms.ChoiceField(label=_("Hospital level"), choices=HospitalLevel.choices)
    total_cost = YuanField(label=_("Total cost (yuan)"))
    covered = YuanField(label=_("Paid by medical insurance (yuan)"))
    self_paid_in_scope = YuanField(label=_("Self-paid within the scope (yuan)"))
    note = FreeTextField(label=_("Why the feed misses it"), max_length=300, required=False)
    receipts = MultipleFileField(label=_("Receipt scans (PDF or photos)"), required=False)

    def clean_service_date(self) -> datetime.date:
        value: datetime.date = self.cleaned_data["service_date"]
        if value > timezone.localdate() or value.year < 2000:
            raise forms.ValidationError(_("The date of service cannot be in the future."))
        return value


class FeedUploadForm(forms.Form):
    unit = UnitChoiceField(label=_("For the members of"), queryset=OrgUnit.objects.none())
    file = forms.FileField(label=_("Settlement feed (.xlsx, .xls or .csv)"))

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    note = FreeTextField(label=_("Note (the reason, when refusing)"), max_length=300, required=False)


class SelfPhoneForm(forms.Form):
    phone = forms.CharField(label=_("Mobile phone"), max_length=20)
    code = forms.CharField(label=_("Verification code"), max_length=10, required=False)
