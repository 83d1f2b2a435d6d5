from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.members.models import Channel, ExportJob, Membership
from gonghui.orgs.forms import UnitChoiceField
from gonghui.orgs.models import OrgUnit


class RosterUploadForm(forms.Form):
    union = UnitChoiceField(label=_("Union"), queryset=OrgUnit.objects.none())
    file = forms.FileField(
        label=_("Roster file (.xlsx, .xls, .ods, .csv or Unicode text)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xlsm,.xls,.ods,.csv,.txt"}),
    )
    confirm_area_warnings = forms.BooleanField(
        label=_("Accept resident IDs whose area code is unknown (I have checked the cards)"), required=False
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["union"].queryset = units


class ExportForm(forms.Form):
    union = UnitChoiceField(
        label=_("Union (and the unions under it)"), queryset=OrgUnit.objects.none(), required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", "—"), *Membership.Status.choices], required=False
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=[("", "—"), *Channel.choices], required=False)
    date_from = forms.DateField(
        label=_("Applied from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Applied until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    format = forms.ChoiceField(
        label=_("Format"), choices=ExportJob.Format.choices, initial=ExportJob.Format.XLSX
    )
    reveal = forms.BooleanField(
        label=_("Full resident IDs and phones (only for roles allowed to see them; logged)"), required=False
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["union"].queryset = units

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data
        union = data.get("union")
        return {
            key: value
            for key, value in {
                "union_path": union.path if union else "",
                "status": data.get("status") or "",
                "channel": data.get("channel") or "",
                "date_from": data["date_from"].isoformat() if data.get("date_from") else "",
                "date_to": data["date_to"].isoformat() if data.get("date_to") else "",
            }.items()
            if value
        }
