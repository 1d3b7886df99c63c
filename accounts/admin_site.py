"""The admin site, behind the second factor: it can reset anyone's two-factor and roles.

An administrator's password alone must not remove a user's authenticator, read a device's key
or grant a role, so every admin page needs a session that passed the code step (while
BEACON_REQUIRE_TWO_FACTOR is on). A staff user who has not is sent to that step, or to enrol.
"""

from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse


def _needs_code_step(user) -> bool:
    from .twofactor import is_two_factor_verified

    return settings.BEACON_REQUIRE_TWO_FACTOR and not is_two_factor_verified(user)


class BeaconAdminSite(AdminSite):
    site_header = "Beacon administration"
    site_title = "Beacon"

    def has_permission(self, request):
        return super().has_permission(request) and not _needs_code_step(request.user)

    def login(self, request, extra_context=None):
        """Send a signed-in staff user who lacks the code step there instead of a login form."""
        user = request.user
        if user.is_authenticated and user.is_active and user.is_staff and _needs_code_step(user):
            from .twofactor import has_second_factor

            step = "two_factor_verify" if has_second_factor(user) else "two_factor_setup"
            return redirect_to_login(
                request.GET.get("next") or reverse("admin:index"), reverse(step)
            )
        return super().login(request, extra_context)
