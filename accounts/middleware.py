"""Session safeguards: the 30-minute idle logoff and the second-factor step after login."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.urls import reverse

from .twofactor import has_second_factor, is_two_factor_verified

LAST_ACTIVITY_KEY = "beacon_last_activity"
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
    """Send a user who has a second factor to the code step until they pass it.

    A password alone then opens nothing for an enrolled user. Whether the user has a second
    factor is read from the database on every request of a session that has not passed the code
    step (one query), never remembered in the session: a session opened with the password before
    the user enrolled must ask for a code from the moment they enrol.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not is_two_factor_verified(user)
            and request.path not in {reverse("two_factor_verify"), reverse("logout")}
            and has_second_factor(user)
        ):
            verify_url = reverse("two_factor_verify")
            if request.htmx:
                response = HttpResponse(status=204)
                response["HX-Redirect"] = verify_url
                return response
            return redirect_to_login(request.get_full_path(), verify_url)
        return self.get_response(request)
