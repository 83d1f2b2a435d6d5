import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.core.forms import FreeTextField, LabelField, NameField
from gonghui.homes.actions.levels import ItemAnswer
from gonghui.homes.models import ChecklistItem, Facility, FacilityType, StandardItem, StandardLevel


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
