"""Template context shared by every page: the navigation the user's roles allow."""

from .roles import Role


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = user.roles
    return {
        "nav_roles": sorted(roles),
        "nav_is_legal": Role.LEGAL in roles,
        "nav_is_comms": Role.COMMUNICATIONS in roles,
        "nav_is_executive": Role.EXECUTIVE in roles,
        "nav_is_command": Role.INCIDENT_COMMAND in roles,
    }
