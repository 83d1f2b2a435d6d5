from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.core.forms import AddressField, NameField
from gonghui.enterprises.actions import EnterpriseData
from gonghui.enterprises.models import Industry, UnitType
from gonghui.orgs.forms import UnitChoiceField
from gonghui.orgs.models import OrgUnit, Region


class EnterpriseForm(forms.Form):
    uscc = forms.CharField(label=_("Unified social credit code"), max_length=40)
    name = NameField(label=_("Name"), max_length=200)
    address = AddressField(label=_("Address"), max_length=300, required=False)
    district = forms.ModelChoiceField(label=_("District"), queryset=Region.objects.none())
    street = forms.ModelChoiceField(label=_("Street / town"), queryset=Region.objects.none(), required=False)
    industry = forms.ChoiceField(label=_("Industry"), choices=Industry.choices)
    unit_type = forms.ChoiceField(label=_("Unit type"), choices=UnitType.choices)
    employee_count = forms.IntegerField(label=_("Employees"), min_value=0, max_value=10_000_000)
    female_employee_count = forms.IntegerField(label=_("Women employees"), min_value=0, max_value=10_000_000)
    contact_name = NameField(label=_("Contact person"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20, required=False)
    managing_unit = UnitChoiceField(label=_("Looked after by"), queryset=OrgUnit.objects.none())

    def __init__(self, *args: object, units: object, editing: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        fields: dict[str, Any] = self.fields  # ModelChoiceFields; the base type has no queryset
        fields["managing_unit"].queryset = units
        fields["district"].queryset = Region.objects.filter(level=Region.Level.DISTRICT).order_by("code")
        fields["street"].queryset = (
            Region.objects.filter(level=Region.Level.STREET).select_related("parent").order_by("code")
        )
        fields["street"].label_from_instance = lambda r: f"{r.parent.name} · {r.name}"
        if editing:
            del self.fields["uscc"]

    def to_data(self) -> EnterpriseData:
        d = self.cleaned_data
        return EnterpriseData(
            name=d["name"],
            address=d["address"],
            district=d["district"],
            street=d["street"],
            industry=d["industry"],
            unit_type=d["unit_type"],
            employee_count=d["employee_count"],
            female_employee_count=d["female_employee_count"],
            contact_name=d["contact_name"],
            contact_phone=d["contact_phone"],
            managing_unit=d["managing_unit"],
        )
