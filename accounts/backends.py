"""The authentication backend: ModelBackend, whose user row says if a second factor exists."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from .twofactor import SECOND_FACTOR_FLAG, second_factor_exists


class BeaconModelBackend(ModelBackend):
    """Load the signed-in user with whether they have a second factor, in the same query.

    AuthenticationMiddleware loads the user on every request; TwoFactorVerifyMiddleware then
    reads the flag from that row instead of asking again, so deciding two-factor per request from
    the database costs no query of its own.
    """

    def get_user(self, user_id):
        user = (
            get_user_model()
            ._default_manager.annotate(**{SECOND_FACTOR_FLAG: second_factor_exists()})
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
