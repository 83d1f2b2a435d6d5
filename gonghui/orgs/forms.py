from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.core.forms import NameField
from gonghui.orgs.models import OrgUnit, Region


class UnitChoiceField(forms.ModelChoiceField):
    """A union picked from the user's part of the tree, indented by depth."""

    def label_from_instance(self, obj: OrgUnit) -> str:  # type: ignore[override]
        return "　" * obj.depth + obj.name


class UnitForm(forms.Form):
    code = forms.RegexField(label=_("Code"), max_length=32, regex=r"^[A-Za-z0-9_-]+$")
    name = NameField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=OrgUnit.Kind.choices)
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.order_by("code"), required=False
    )

    def __init__(self, *args: object, child_kinds: frozenset[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # Offer only the kinds that may sit under this parent (a street takes grassroots and joint unions).
        kind_field = self.fields["kind"]
        assert isinstance(kind_field, forms.ChoiceField)
        kind_field.choices = [c for c in OrgUnit.Kind.choices if c[0] in child_kinds]


class RenameForm(forms.Form):
    name = NameField(label=_("New name"), max_length=200)


class MoveForm(forms.Form):
    parent = UnitChoiceField(label=_("New parent"), queryset=OrgUnit.objects.none())

    def __init__(self, *args: object, units: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["parent"].queryset = units  # type: ignore[attr-defined]
