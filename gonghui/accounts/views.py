import base64

import segno
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from gonghui.accounts import actions, queries
from gonghui.accounts.access import access_role_assignment, access_staff
from gonghui.accounts.auth import login_with_password
from gonghui.accounts.forms import GrantForm, LoginForm, OtpForm, PasswordChangeForm, StaffForm
from gonghui.core.console import apply_error, staff_required
from gonghui.core.errors import DomainError
from gonghui.orgs.queries import units_in_scope
from gonghui.orgs.scope import RANK_MANAGE_STAFF


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/"


def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = login_with_password(request, form.cleaned_data["username"], form.cleaned_data["password"])
        except DomainError as error:
            apply_error(form, error)
        else:
            auth_login(request, user)
            if user.second_factor_missing():
                return redirect(f"/accounts/otp/?next={_next_url(request)}")
            return redirect(_next_url(request))
    return render(request, "accounts/login.html", {"form": form, "next": _next_url(request)})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    return redirect("accounts:login")


def otp_view(request: HttpRequest) -> HttpResponse:
    """Second factor: enrol an authenticator (QR) the first time, then a 6-digit code at every login."""
    user = request.user
    if not user.is_authenticated:
        return redirect("accounts:login")
    enrolled = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = actions.do_verify_totp(
                acting_user=user, token=form.cleaned_data["token"], confirm=not enrolled
            )  # type: ignore[arg-type]
        except DomainError as error:
            apply_error(form, error)
        else:
            otp_login(request, device)
            return redirect(_next_url(request))
    context: dict[str, object] = {"form": form, "enrolled": enrolled, "next": _next_url(request)}
    if not enrolled:
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        if device is None:
            device = actions.do_start_totp_enrolment(acting_user=user)  # type: ignore[arg-type]
        context["qr_svg"] = segno.make(device.config_url, error="m").svg_inline(scale=4)
        context["secret"] = base64.b32encode(device.bin_key).decode()
    return render(request, "accounts/otp.html", context)


def password_change(request: HttpRequest) -> HttpResponse:
    """Choose a new password: required before anything else after a handed-over one (the first city
    administrator's, printed by `manage.py bootstrap`); open to every signed-in user. The second factor
    comes first, so a leaked handed-over password alone reaches nothing."""
    user = request.user
    if not user.is_authenticated:
        return redirect("accounts:login")
    if user.second_factor_missing():
        return redirect("accounts:otp")
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            changed = actions.do_change_password(
                acting_user=user,  # type: ignore[arg-type]
                current=form.cleaned_data["current"],
                new=form.cleaned_data["new"],
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            update_session_auth_hash(request, changed)
            return redirect("insights:home")
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "required": user.password_change_pending()},
    )


@staff_required
def staff_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    staff = queries.list_staff(acting_user=request.user, search=search)[:200]
    return render(request, "accounts/staff_list.html", {"staff": staff, "q": search})


@staff_required
def staff_create(request: HttpRequest) -> HttpResponse:
    units = units_in_scope(request.user, min_rank=RANK_MANAGE_STAFF).filter(status="ACTIVE").order_by("path")
    form = StaffForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = actions.do_create_staff(
                acting_user=request.user,
                username=data["username"],
                display_name=data["display_name"],
                password=data["password"],
                phone=data["phone"],
                unit=data["unit"],
                role=data["role"],
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            return redirect("accounts:staff_detail", staff_id=user.pk)
    return render(request, "accounts/staff_form.html", {"form": form})


@staff_required
def staff_detail(request: HttpRequest, staff_id: int) -> HttpResponse:
    staff = access_staff(request.user, staff_id)
    units = units_in_scope(request.user, min_rank=RANK_MANAGE_STAFF).filter(status="ACTIVE").order_by("path")
    form = GrantForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_grant_role(
                acting_user=request.user,
                user=staff,
                unit=form.cleaned_data["unit"],
                role=form.cleaned_data["role"],
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            return redirect("accounts:staff_detail", staff_id=staff.pk)
    roles = queries.list_role_assignments(acting_user=request.user, user=staff)
    return render(request, "accounts/staff_detail.html", {"staff": staff, "roles": roles, "form": form})


@staff_required
@require_POST
def role_revoke(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = access_role_assignment(request.user, assignment_id)
    actions.do_revoke_role(acting_user=request.user, assignment=assignment)
    return redirect("accounts:staff_detail", staff_id=assignment.user_id)


@staff_required
@require_POST
def staff_unlock(request: HttpRequest, staff_id: int) -> HttpResponse:
    staff = access_staff(request.user, staff_id)
    role = queries.list_role_assignments(acting_user=request.user, user=staff).first()
    if role is not None:
        actions.do_unlock_staff(acting_user=request.user, user=staff, unit=role.unit)
    return redirect("accounts:staff_detail", staff_id=staff.pk)


AUDIT_PAGE_SIZE = 100


@staff_required
def audit_log(request: HttpRequest) -> HttpResponse:
    event_type = request.GET.get("event_type", "")
    scoped = queries.list_audit_events(acting_user=request.user)
    events = scoped.filter(event_type=event_type) if event_type else scoped
    event_types = scoped.order_by("event_type").values_list("event_type", flat=True).distinct()
    return render(
        request,
        "accounts/audit_log.html",
        {"events": events[:AUDIT_PAGE_SIZE], "event_type": event_type, "event_types": event_types},
    )
