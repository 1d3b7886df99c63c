from base64 import b32encode

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django_otp.plugins.otp_static.models import StaticDevice

from . import twofactor
from .forms import CodeForm, CurrentCodeForm, EnrolForm
from .roles import ROLE_START_PAGES


@login_required
def home(request):
    """Send each user to the natural start page of their role."""
    for role, url_name in ROLE_START_PAGES:
        if request.user.has_role(role):
            return redirect(url_name)
    return redirect("incidents:list")


def _next_url(request) -> str:
    """Return the safe `next` address from the request, or the home page."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return settings.LOGIN_REDIRECT_URL


def _code_refused(form, field: str, check: twofactor.CodeCheck | None) -> int:
    """Put the reason a code was refused on the form; return the status to answer with."""
    if check is not None and check.retry_at is not None:
        retry_at = timezone.localtime(check.retry_at)
        minutes = max(1, round((check.retry_at - timezone.now()).total_seconds() / 60))
        form.add_error(
            field,
            f"Too many wrong codes, so Beacon pauses code checks for this account until "
            f"{retry_at:%H:%M:%S} (about {minutes} min). This is a pause, not a lockout: "
            f"try again after {retry_at:%H:%M} with the newest code. If you did not type the "
            "wrong codes, someone has your password: tell the IT service desk.",
        )
        return 429
    if field == "current_code" and not form.data.get(field):
        form.add_error(
            field, "Enter a current code from your authenticator app or a recovery code."
        )
    else:
        form.add_error(field, "That code did not match; try the newest one, or a recovery code.")
    return 400


def _show_recovery_codes(request, codes: list[str], *, next_url: str):
    return render(
        request, "accounts/two_factor_recovery_codes.html", {"codes": codes, "next": next_url}
    )


@never_cache
def two_factor_setup(request):
    """Enrol an authenticator app, replace it, or renew recovery codes (those need a code)."""
    user = request.user
    action = request.POST.get("action") if request.method == "POST" else None
    enrolled = twofactor.has_confirmed_device(user)
    if action == "recovery_codes":
        return _recovery_codes_renew(request)
    if enrolled and action not in {"replace", "confirm"}:
        return render(
            request,
            "accounts/two_factor_enrolled.html",
            {"next": _next_url(request), "recovery_form": CurrentCodeForm()},
        )
    device = twofactor.enrolment_device(user)
    form = EnrolForm(request.POST if action == "confirm" else None, replacing=enrolled)
    status = 400 if form.is_bound else 200
    if form.is_bound and form.is_valid():
        try:
            enrolment = twofactor.enrolment_confirm(
                user=user,
                device=device,
                token=form.cleaned_data["token"],
                current_code=form.cleaned_data.get("current_code", ""),
            )
        except twofactor.CurrentCodeRequired as refusal:
            status = _code_refused(form, "current_code", refusal.check)
        else:
            if enrolment is None:
                form.add_error("token", "That code did not match; check the time on your phone.")
            else:
                request.session.cycle_key()
                django_otp.login(request, enrolment.device)
                messages.success(request, "Two-factor authentication is on for your account.")
                if enrolment.recovery_codes:
                    return _show_recovery_codes(
                        request, enrolment.recovery_codes, next_url=_next_url(request)
                    )
                return redirect(_next_url(request))
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": twofactor.qr_code_svg(device),
            "secret": b32encode(device.bin_key).decode(),
            "next": _next_url(request),
            "replacing": enrolled,
        },
        status=status,
    )


def _recovery_codes_renew(request):
    form = CurrentCodeForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            codes = twofactor.recovery_codes_renew(
                user=request.user, current_code=form.cleaned_data["current_code"]
            )
        except twofactor.CurrentCodeRequired as refusal:
            status = _code_refused(form, "current_code", refusal.check)
        else:
            return _show_recovery_codes(request, codes, next_url=_next_url(request))
    return render(
        request,
        "accounts/two_factor_enrolled.html",
        {"next": _next_url(request), "recovery_form": form},
        status=status,
    )


@never_cache
def two_factor_verify(request):
    """Ask for a code from the authenticator app (or a recovery code) after the password."""
    user = request.user
    if not twofactor.has_second_factor(user):
        return redirect("two_factor_setup")
    form = CodeForm(request.POST or None)
    status = 400 if form.is_bound else 200
    if form.is_valid():
        check = twofactor.code_check(user=user, code=form.cleaned_data["token"])
        if check.ok:
            request.session.cycle_key()
            django_otp.login(request, check.device)
            if isinstance(check.device, StaticDevice):
                left = check.device.token_set.count()
                messages.warning(
                    request,
                    f"You used a recovery code; {left} left. If you lost your phone, set up "
                    "the new one now.",
                )
                if not twofactor.has_confirmed_device(user):
                    return redirect("two_factor_setup")
            return redirect(_next_url(request))
        status = _code_refused(form, "token", check)
    return render(
        request,
        "accounts/two_factor_verify.html",
        {"form": form, "next": _next_url(request)},
        status=status,
    )
