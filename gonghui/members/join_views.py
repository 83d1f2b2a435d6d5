"""Pages for self-service enrolment by QR code.

Worker side (no login, the worker's own phone): /join/<token>/ — the form, with a "Send code" button that
texts a verification code — and /join/<token>/done/, what became of the application. It works without
JavaScript: both buttons post the whole form, so nothing typed is lost on a slow connection.

Staff side: /join/links/ (list and create), the printable poster, regenerate and revoke; and the SMS
outbox of the development gateway, for the city administrator.
"""

from typing import Any

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from gonghui.core.console import apply_error, staff_required
from gonghui.core.errors import DomainError, NotFound
from gonghui.core.forms import LabelField, NameField
from gonghui.core.models import SmsMessage
from gonghui.core.phones import normalise_phone
from gonghui.core.pii import mask_phone
from gonghui.enterprises.models import Worksite
from gonghui.members import access, join, queries
from gonghui.members.actions import EnrolmentData
from gonghui.members.models import Education, EmploymentStatus, HukouType, JoinLink, PoliticalStatus
from gonghui.members.validators import check_resident_id
from gonghui.orgs.forms import UnitChoiceField
from gonghui.orgs.models import ROLE_RANK, OrgUnit, Role
from gonghui.orgs.scope import max_rank

# GB/T 3304 order; stored as the name, as the collection form has it.
ETHNIC_GROUPS = [
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
    "其他",
]
BLANK = [("", _("— choose —"))]
OUTBOX_PAGE_SIZE = 100


class JoinForm(forms.Form):
    """The national real-name collection form, as a worker fills it in on their phone."""

    name = NameField(label=_("Full name"), max_length=50, help_text=_("As on your ID card"))
    resident_id = forms.CharField(label=_("Resident ID number"), max_length=40)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20)
    code = forms.CharField(label=_("Verification code"), max_length=12, required=False)
    ethnicity = forms.ChoiceField(
        label=_("Ethnic group"), choices=[*BLANK, *((e, e) for e in ETHNIC_GROUPS)], required=False
    )
    education = forms.ChoiceField(
        label=_("Education level"), choices=BLANK + Education.choices, required=False
    )
    political_status = forms.ChoiceField(
        label=_("Political status"), choices=BLANK + PoliticalStatus.choices, required=False
    )
    hukou_type = forms.ChoiceField(
        label=_("Household registration"), choices=BLANK + HukouType.choices, required=False
    )
    is_migrant_worker = forms.BooleanField(label=_("I am a migrant worker"), required=False)
    employer_name = NameField(label=_("Employer"), max_length=200, required=False)
    employment_status = forms.ChoiceField(
        label=_("Employment status"), choices=EmploymentStatus.choices, initial=EmploymentStatus.EMPLOYED
    )
    consent = forms.BooleanField(label=_("I have read the privacy notice and agree to it"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        attrs = {
            "name": {"autocomplete": "name"},
            "resident_id": {"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
            "phone": {"type": "tel", "inputmode": "numeric", "autocomplete": "tel-national"},
            "code": {"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"},
            "employer_name": {"autocomplete": "organization"},
        }
        for name, extra in attrs.items():
            self.fields[name].widget.attrs.update(extra)

    def clean_resident_id(self) -> str:
        # Checked here too, so a mistyped ID is pointed out before the code is spent.
        try:
            return check_resident_id(self.cleaned_data["resident_id"]).number
        except DomainError as error:
            raise forms.ValidationError(error.message, code=error.code) from None

    def clean_phone(self) -> str:
        try:
            return normalise_phone(self.cleaned_data["phone"])
        except DomainError as error:
            raise forms.ValidationError(error.message, code=error.code) from None

    def to_data(self) -> EnrolmentData:
        return EnrolmentData.from_form(self.cleaned_data)


def _link_or_404(request: HttpRequest, token: str) -> JoinLink | HttpResponse:
    try:
        return access.get_active_link(token)
    except access.JoinLinkNotFound:
        return render(request, "members/join/not_found.html", status=404)


def join_form(request: HttpRequest, token: str) -> HttpResponse:
    link = _link_or_404(request, token)
    if isinstance(link, HttpResponse):
        return link
    ticket_key = join.session_key(link, "ticket")
    verified_phone = join.verified_phone_for(link=link, ticket=request.session.get(ticket_key, ""))
    action = request.POST.get("action", "submit")
    sent_to = send_error = ""
    if request.method != "POST":
        employer = queries.union_employer(link.union)
        form = JoinForm(initial={"employer_name": employer.name if employer else "", "phone": verified_phone})
    elif action in ("send_code", "change_phone"):
        # Only the number matters for this step; the rest is kept as typed, without complaints yet.
        form = JoinForm(initial=request.POST.dict())
        if action == "change_phone":
            request.session.pop(ticket_key, None)
            verified_phone = None
        else:
            try:
                join.check_ip_rate(join.client_ip(request), bucket="send", limit=join.IP_SEND_LIMIT)
                verification = join.do_send_join_code(
                    link=link, phone=request.POST.get("phone", ""), address=join.client_ip(request)
                )
            except DomainError as error:
                send_error = error.message
            else:
                sent_to = mask_phone(verification.phone)
                form.fields["code"].widget.attrs["autofocus"] = True
    else:
        form = JoinForm(request.POST)
        if form.is_valid():
            outcome = _submit(request, link, form, verified_phone)
            if outcome is not None:
                return redirect("join:done", token=link.token)
            verified_phone = join.verified_phone_for(link=link, ticket=request.session.get(ticket_key, ""))
    return render(
        request,
        "members/join/form.html",
        {
            "link": link,
            "form": form,
            "sent_to": sent_to,
            "send_error": send_error,
            "verified_phone": verified_phone,
            "verified_phone_masked": mask_phone(verified_phone),
            "code_minutes": join.CODE_TTL.seconds // 60,
            "policy_version": settings.GONGHUI_PRIVACY_POLICY_VERSION,
        },
    )


def _submit(request: HttpRequest, link: JoinLink, form: JoinForm, verified_phone: str | None) -> str | None:
    """Verify the code if the number is not verified yet, then apply. The outcome's kind, or None with
    the error shown on the form."""
    ticket_key = join.session_key(link, "ticket")
    data = form.to_data()
    try:
        join.check_ip_rate(join.client_ip(request), bucket="check", limit=join.IP_CHECK_LIMIT)
        if verified_phone != data.phone:
            # Kept in the session at once: if the application is then refused (say, no consent), the
            # corrected form goes through without another text message.
            request.session[ticket_key] = join.do_verify_join_code(
                link=link, phone=data.phone, code=form.cleaned_data["code"]
            )
        outcome = join.submit_join_application(
            link=link,
            data=data,
            consent_given=form.cleaned_data["consent"],
            ticket=request.session.get(ticket_key, ""),
        )
    except DomainError as error:
        if isinstance(error, join.PhoneNotVerified):
            request.session.pop(ticket_key, None)
        apply_error(form, error)
        return None
    request.session.pop(ticket_key, None)
    # Only "received" reaches the page, whatever the outcome (see join_api.apply).
    request.session[join.session_key(link, "done")] = {"kind": "received"}
    return outcome.kind


def join_done(request: HttpRequest, token: str) -> HttpResponse:
    link = _link_or_404(request, token)
    if isinstance(link, HttpResponse):
        return link
    done = request.session.get(join.session_key(link, "done"))
    if not done:
        return redirect("join:form", token=link.token)
    return render(request, "members/join/done.html", {"link": link, "kind": done["kind"]})


# --- staff -------------------------------------------------------------------------------------------


class JoinLinkForm(forms.Form):
    union = UnitChoiceField(label=_("Union"), queryset=OrgUnit.objects.none(), empty_label=_("— choose —"))
    worksite = forms.ModelChoiceField(
        label=_("Worksite (optional)"),
        queryset=Worksite.objects.none(),
        required=False,
        empty_label=_("— no worksite —"),
    )
    label = LabelField(
        label=_("Label"), max_length=100, required=False, help_text=_("Where the poster hangs, for example")
    )

    def __init__(self, *args: Any, acting_user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields  # ModelChoiceFields; the base type has no queryset
        fields["union"].queryset = queries.unions_for_links(acting_user)
        fields["worksite"].queryset = queries.worksites_for_links(acting_user)
        unions = list(fields["union"].queryset[:2])
        if len(unions) == 1:  # a union chair has one union: nothing to choose
            self.initial.setdefault("union", unions[0].pk)


def public_url(request: HttpRequest, link: JoinLink) -> str:
    """The address printed in the QR code. GONGHUI_PUBLIC_BASE_URL pins it, so a poster printed from
    an office's internal address still works on a worker's phone."""
    path = reverse("join:form", kwargs={"token": link.token})
    base = getattr(settings, "GONGHUI_PUBLIC_BASE_URL", "").rstrip("/")
    return f"{base}{path}" if base else request.build_absolute_uri(path)


@staff_required
def link_list(request: HttpRequest) -> HttpResponse:
    form = JoinLinkForm(request.POST or None, acting_user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            link = join.do_create_join_link(
                acting_user=request.user,
                union=form.cleaned_data["union"],
                worksite=form.cleaned_data["worksite"],
                label=form.cleaned_data["label"],
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            return redirect("join:poster", link_id=link.pk)
    links = queries.list_join_links(acting_user=request.user)[:200]
    return render(
        request,
        "members/join/link_list.html",
        {"form": form, "links": links, "can_create": form.fields["union"].queryset.exists()},  # type: ignore[attr-defined]
    )


@staff_required
def link_poster(request: HttpRequest, link_id: int) -> HttpResponse:
    link = access.access_join_link(request.user, link_id)
    url = public_url(request, link)
    qr_svg = segno.make(url, error="m").svg_inline(scale=8, border=2) if link.is_active else ""
    return render(request, "members/join/poster.html", {"link": link, "url": url, "qr_svg": qr_svg})


@staff_required
@require_POST
def link_regenerate(request: HttpRequest, link_id: int) -> HttpResponse:
    link = access.access_join_link(request.user, link_id)
    join.do_regenerate_join_link(acting_user=request.user, link=link)
    messages.success(request, gettext("A new QR code was made; posters with the old one no longer work."))
    return redirect("join:poster", link_id=link.pk)


@staff_required
@require_POST
def link_revoke(request: HttpRequest, link_id: int) -> HttpResponse:
    link = access.access_join_link(request.user, link_id)
    join.do_revoke_join_link(acting_user=request.user, link=link)
    messages.success(request, gettext("The link was revoked; its posters no longer work."))
    return redirect("join:links")


@staff_required
def sms_outbox(request: HttpRequest) -> HttpResponse:
    """What the development gateway "sent". City administrators only: the texts hold live codes."""
    if max_rank(request.user) < ROLE_RANK[Role.CITY_ADMIN]:
        raise NotFound()
    rows = [
        {"created_at": m.created_at, "phone": mask_phone(m.phone), "text": m.text, "id": m.message_id}
        for m in SmsMessage.objects.order_by("-created_at", "-pk")[:OUTBOX_PAGE_SIZE]
    ]
    return render(request, "members/join/sms_outbox.html", {"messages_sent": rows})
