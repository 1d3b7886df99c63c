from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from .roles import ROLE_START_PAGES


@login_required
def home(request):
    """Send each user to the natural start page of their role."""
    for role, url_name in ROLE_START_PAGES:
        if request.user.has_role(role):
            return redirect(url_name)
    return redirect("incidents:list")
