"""Session safeguards: the 30-minute idle logoff and the second-factor step after login."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.urls import reverse

from .twofactor import has_confirmed_device, is_two_factor_verified

LAST_ACTIVITY_KEY = "beacon_last_activity"
HAS_DEVICE_KEY = "beacon_has_otp_device"
POLL_HEADER = "HTTP_X_BEACON_POLL"


class IdleTimeoutMiddleware:
    """Sign the user out after BEACON_IDLE_TIMEOUT_SECONDS without a request of their own.

    Background refreshes (htmx polls sending ``X-Beacon-Poll: 1``) do not count as activity, so
    a dashboard left open on an unattended screen still signs out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            last = request.session.get(LAST_ACTIVITY_KEY)
            if last is not None and now - last > settings.BEACON_IDLE_TIMEOUT_SECONDS:
                logout(request)
                messages.info(request, "You were signed out after 30 minutes without activity.")
                if request.htmx:
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = reverse(settings.LOGIN_URL)
                    return response
                return redirect_to_login(request.get_full_path())
            if last is None or request.META.get(POLL_HEADER) != "1":
                request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)


class TwoFactorVerifyMiddleware:
    """Send a user who has enrolled an authenticator to the token step until they pass it.

    A password alone then opens nothing for an enrolled user. Whether the user has a device is
    looked up once per session.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not is_two_factor_verified(user):
            has_device = request.session.get(HAS_DEVICE_KEY)
            if has_device is None:
                has_device = has_confirmed_device(user)
                request.session[HAS_DEVICE_KEY] = has_device
            verify_url = reverse("two_factor_verify")
            exempt = {verify_url, reverse("logout")}
            if has_device and request.path not in exempt:
                if request.htmx:
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = verify_url
                    return response
                return redirect_to_login(request.get_full_path(), verify_url)
        return self.get_response(request)


def forget_device_lookup(request) -> None:
    """Drop the cached device lookup (after enrolment) so the next request looks again."""
    request.session.pop(HAS_DEVICE_KEY, None)
