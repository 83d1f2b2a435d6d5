import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.core.forms import FreeTextField, LabelField, NameField
from gonghui.homes.actions.levels import ItemAnswer
from gonghui.homes.models import Budget, ChecklistItem, Facility, FacilityType, StandardItem, StandardLevel
from gonghui.orgs.models import OrgUnit


class FacilityForm(forms.Form):
    facility_type = forms.ModelChoiceField(label=_("Facility type"), queryset=FacilityType.objects.none())
    name = NameField(label=_("Name"), max_length=100)
    # No min_value here: a negative area reaches the action, which answers it with its own code.
    area_m2 = forms.DecimalField(label=_("Area (m²)"), max_digits=9, decimal_places=1)
    opening_hours = LabelField(label=_("Opening hours"), max_length=100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["facility_type"]
        field.queryset = FacilityType.objects.order_by("position", "code")


class EquipmentForm(forms.Form):
    """The facility's area, hours and the type's checklist, one field per item."""

    area_m2 = forms.DecimalField(label=_("Area (m²)"), max_digits=9, decimal_places=1)
    opening_hours = LabelField(label=_("Opening hours"), max_length=100, required=False)

    def __init__(self, *args: Any, facility: Facility, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "area_m2": facility.area_m2,
                "opening_hours": facility.opening_hours,
                **{f"item_{code}": value for code, value in facility.equipment.items()},
            },
        )
        super().__init__(*args, **kwargs)
        self.items = sorted(facility.facility_type.checklist_items.all(), key=lambda i: (i.position, i.pk))
        for item in self.items:
            if item.kind == ChecklistItem.Kind.HAS:
                self.fields[f"item_{item.code}"] = forms.BooleanField(label=item.text, required=False)
            else:
                self.fields[f"item_{item.code}"] = forms.IntegerField(
                    label=_("%(item)s (at least %(minimum)s)")
                    % {"item": item.text, "minimum": item.min_value},
                    required=False,
                    min_value=0,
                    max_value=10_000_000,
                )

    def equipment(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for item in self.items:
            value = self.cleaned_data.get(f"item_{item.code}")
            if value is not None:
                values[item.code] = bool(value) if item.kind == ChecklistItem.Kind.HAS else value
        return values


class PhotoForm(forms.Form):
    photo = forms.FileField(label=_("Photo"))
    caption = LabelField(label=_("Caption"), max_length=100, required=False)


class UsageForm(forms.Form):
    month = forms.DateField(
        label=_("Month"), input_formats=["%Y-%m"], widget=forms.DateInput(attrs={"type": "month"})
    )
    visits = forms.IntegerField(label=_("Visits"), min_value=0, max_value=10_000_000)

    def cleaned_month(self) -> datetime.date:
        month: datetime.date = self.cleaned_data["month"]
        return month.replace(day=1)


class OpenHomeForm(forms.Form):
    name = NameField(label=_("Name of the home"), max_length=200, required=False)


class AnswersForm(forms.Form):
    """One field pair per item of a level: a tick for a must-hold item, points for a scored one."""

    def __init__(self, *args: Any, level: StandardLevel, with_notes: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = sorted(level.items.all(), key=lambda i: (i.position, i.pk))
        self.with_notes = with_notes
        for item in self.items:
            if item.kind == StandardItem.Kind.GATE:
                self.fields[f"met_{item.pk}"] = forms.BooleanField(label=item.text, required=False)
            else:
                self.fields[f"points_{item.pk}"] = forms.IntegerField(
                    label=_("%(item)s (0–%(points)s points)") % {"item": item.text, "points": item.points},
                    min_value=0,
                    max_value=item.points,
                    initial=0,
                )
            if with_notes:
                self.fields[f"note_{item.pk}"] = LabelField(label=_("Note"), max_length=300, required=False)

    def rows(self) -> list[dict[str, Any]]:
        """The fields item by item, so the phone page can lay each item out as one card."""
        rows = []
        for item in self.items:
            key = f"met_{item.pk}" if item.kind == StandardItem.Kind.GATE else f"points_{item.pk}"
            rows.append(
                {
                    "item": item,
                    "field": self[key],
                    "note": self[f"note_{item.pk}"] if self.with_notes else None,
                }
            )
        return rows

    def answers(self) -> dict[int, ItemAnswer]:
        data = self.cleaned_data
        return {
            item.pk: ItemAnswer(
                met=bool(data.get(f"met_{item.pk}")),
                points=data.get(f"points_{item.pk}") or 0,
                note=data.get(f"note_{item.pk}") or "",
            )
            for item in self.items
        }


class RefusalForm(forms.Form):
    reason = FreeTextField(label=_("Reason for the refusal"), max_length=2000)


# --- funding ----------------------------------------------------------------------------------------


def to_fen(yuan: Decimal) -> int:
    """Yuan as typed (two decimals at most) to integer fen."""
    return int((yuan * 100).to_integral_value())


class YuanField(forms.DecimalField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 13)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0"))
        kwargs.setdefault("max_value", Decimal("100000000"))
        super().__init__(**kwargs)


class BudgetForm(forms.Form):
    funder = forms.ModelChoiceField(label=_("Funder"), queryset=OrgUnit.objects.none())
    district = forms.ModelChoiceField(label=_("District"), queryset=OrgUnit.objects.none())
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    total = YuanField(label=_("Total (yuan)"))

    def __init__(self, *args: Any, funders: Any, districts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["funder"].queryset = funders
        fields["district"].queryset = districts


class FundingForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    facility = forms.ModelChoiceField(label=_("Facility"), queryset=Facility.objects.none(), required=False)
    level = forms.ModelChoiceField(label=_("Level"), queryset=StandardLevel.objects.none(), required=False)
    amount = YuanField(label=_("Amount asked (yuan)"))
    purpose = FreeTextField(label=_("Purpose"), max_length=2000)

    def __init__(self, *args: Any, facilities: Any, levels: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["facility"].queryset = facilities
        fields["level"].queryset = levels


class GrantForm(forms.Form):
    budget = forms.ModelChoiceField(label=_("Budget"), queryset=Budget.objects.none())
    amount = YuanField(label=_("Amount granted (yuan)"))
    pays_after_acceptance = forms.BooleanField(label=_("Paid only after acceptance"), required=False)

    def __init__(self, *args: Any, budgets: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["budget"]
        field.queryset = budgets


class FundingRefusalForm(forms.Form):
    funder = forms.ModelChoiceField(label=_("Funder"), queryset=OrgUnit.objects.none())
    reason = FreeTextField(label=_("Reason for the refusal"), max_length=2000)

    def __init__(self, *args: Any, funders: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["funder"]
        field.queryset = funders


class DisbursementForm(forms.Form):
    amount = YuanField(label=_("Instalment (yuan)"))
    paid_date = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}))


class SpendingForm(forms.Form):
    spent = YuanField(label=_("Spent (yuan)"))
    note = FreeTextField(label=_("Note"), max_length=2000, required=False)
