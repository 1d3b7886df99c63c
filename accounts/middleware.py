"""Request safeguards: input bounds, the 30-minute idle logoff, the second-factor step."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, HttpResponseBadRequest
from django.urls import reverse

from .twofactor import has_second_factor, is_two_factor_verified

LAST_ACTIVITY_KEY = "beacon_last_activity"
POLL_HEADER = "HTTP_X_BEACON_POLL"


# PostgreSQL text cannot hold NUL; a signed 64-bit integer column holds up to this.
NUL = "\x00"
BIGINT_MAX = 2**63 - 1


class InputBoundsMiddleware:
    """Answer 400, naming the problem, to input no view should ever see.

    NUL characters (PostgreSQL refuses them, so they surfaced as 500s: the anonymous calendar
    feed, search boxes, the login form), values longer than BEACON_MAX_QUERY_VALUE_LENGTH in the
    address or BEACON_MAX_FORM_VALUE_LENGTH in a form, and whole numbers in the address beyond
    what a database id can hold. Form bodies are checked when urlencoded; multipart bodies are
    left to the views (they stream uploads through their own handlers) and their forms, whose
    text fields refuse NUL and enforce their own lengths.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = self._problem(request)
        if problem:
            return HttpResponseBadRequest(
                f"Bad request: {problem}", content_type="text/plain; charset=utf-8"
            )
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        for name, value in view_kwargs.items():
            if isinstance(value, int) and value > BIGINT_MAX:
                return HttpResponseBadRequest(
                    f"Bad request: the number in the address ({name}) is too large.",
                    content_type="text/plain; charset=utf-8",
                )
        return None

    @staticmethod
    def _problem(request) -> str | None:
        if NUL in request.path_info:
            return "the address contains a NUL character (\\x00)."
        if any(NUL in value for value in request.COOKIES.values()):
            return "a cookie contains a NUL character (\\x00)."
        query_limit = settings.BEACON_MAX_QUERY_VALUE_LENGTH
        for key, values in request.GET.lists():
            if NUL in key or any(NUL in value for value in values):
                return "the query string contains a NUL character (\\x00)."
            if len(key) > query_limit or any(len(value) > query_limit for value in values):
                return f"a query string value is longer than {query_limit} characters."
        if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
            form_limit = settings.BEACON_MAX_FORM_VALUE_LENGTH
            for key, values in request.POST.lists():
                if NUL in key or any(NUL in value for value in values):
                    return f"the form field {key[:40]!r} contains a NUL character (\\x00)."
                if len(key) > form_limit or any(len(value) > form_limit for value in values):
                    return f"the form field {key[:40]!r} is longer than {form_limit} characters."
        return None


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
