"""Console helpers shared by every app's views: the staff gate and DomainError -> form error."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from gonghui.core.errors import DomainError
from gonghui.core.middleware import error_response


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, active, past TOTP when the user's roles need it, and no handed-over password left to
    change (the user model answers both). DomainErrors that escape the view
    (NotFound from an access helper, Forbidden) become the error page with their status."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated or not user.is_active:
            return redirect_to_login(request.get_full_path())
        if user.second_factor_missing():
            return redirect("accounts:otp")
        if user.password_change_pending():
            return redirect("accounts:password_change")
        try:
            return view(request, *args, **kwargs)
        except DomainError as error:
            return error_response(request, error)

    return wrapper


def apply_error(form: forms.BaseForm, error: DomainError) -> None:
    """Show a domain error on the field it names (if the form has it), else at the top of the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)
