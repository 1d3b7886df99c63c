from base64 import b32encode

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from . import twofactor
from .forms import TokenForm
from .middleware import forget_device_lookup
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


@never_cache
def two_factor_setup(request):
    """Enrol an authenticator app: show its QR code, confirm it with a first code."""
    user = request.user
    enrolled = twofactor.has_confirmed_device(user)
    replacing = request.method == "POST" and request.POST.get("action") == "replace"
    if enrolled and not replacing and request.method == "GET":
        return render(request, "accounts/two_factor_enrolled.html", {"next": _next_url(request)})
    device = twofactor.enrolment_device(user)
    form = TokenForm(request.POST if request.POST.get("action") == "confirm" else None)
    if form.is_bound and form.is_valid():
        if twofactor.enrolment_confirm(user=user, device=device, token=form.cleaned_data["token"]):
            device.refresh_from_db()
            request.session.cycle_key()
            django_otp.login(request, device)
            forget_device_lookup(request)
            messages.success(request, "Two-factor authentication is on for your account.")
            return redirect(_next_url(request))
        form.add_error("token", "That code did not match; check the time on your phone.")
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
        status=400 if form.is_bound else 200,
    )


@never_cache
def two_factor_verify(request):
    """Ask an enrolled user for the code from their authenticator after the password."""
    device = twofactor.confirmed_device(request.user)
    if device is None:
        return redirect("two_factor_setup")
    form = TokenForm(request.POST or None)
    if form.is_valid():
        verified = django_otp.verify_token(
            request.user, device.persistent_id, form.cleaned_data["token"]
        )
        if verified is not None:
            request.session.cycle_key()
            django_otp.login(request, verified)
            return redirect(_next_url(request))
        form.add_error("token", "That code did not match; try the newest one.")
    return render(
        request,
        "accounts/two_factor_verify.html",
        {"form": form, "next": _next_url(request)},
        status=400 if form.is_bound else 200,
    )
