from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.accounts.models import User
from gonghui.core.forms import LabelField
from gonghui.orgs.forms import UnitChoiceField
from gonghui.orgs.models import OrgUnit


class CollectorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:  # type: ignore[override]
        return f"{obj.display_name or obj.username}（{obj.username}）"


class DeviceForm(forms.Form):
    collector = CollectorChoiceField(label=_("Collector"), queryset=User.objects.none())
    unit = UnitChoiceField(label=_("Collects for"), queryset=OrgUnit.objects.none())
    name = LabelField(
        label=_("Phone name"),
        max_length=100,
        help_text=_("So you can tell the phones apart, e.g. the collector's name and the phone model."),
    )

    def __init__(self, *args: Any, collectors: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["collector"].queryset = collectors  # type: ignore[attr-defined]
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
