"""Two-factor authentication (TOTP through django-otp) for the roles that approve and publish.

Legal, Executive and Incident Command (and superusers, who hold every permission) must have
verified a TOTP device in the current session before a service lets them approve, sign off,
waive or publish. Everyone else may use Beacon with a password alone. The check lives in the
services, so no view and no future screen can forget it.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import segno
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from .roles import Role

TWO_FACTOR_ROLES = frozenset({Role.LEGAL, Role.EXECUTIVE, Role.INCIDENT_COMMAND})
ENROL_PATH = "/account/two-factor/"
DEVICE_NAME = "Authenticator app"

# Set only by back-office commands acting for users outside any request (demo data).
_waived_for: ContextVar[str | None] = ContextVar("two_factor_waived_for", default=None)


@contextmanager
def two_factor_waived(reason: str) -> Iterator[None]:
    """Let a management command (no request, no browser) act for users without a second factor.

    For trusted back-office code only, such as `manage.py seed_demo`; never call it in a view.
    """
    token = _waived_for.set(reason)
    try:
        yield
    finally:
        _waived_for.reset(token)


def two_factor_required(user) -> bool:
    """Return whether the user's roles make two-factor mandatory for consequential actions."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(getattr(user, "is_superuser", False)) or bool(
        getattr(user, "roles", frozenset()) & TWO_FACTOR_ROLES
    )


def is_two_factor_verified(user) -> bool:
    """Return whether the user proved a TOTP token in this session (set by OTPMiddleware)."""
    is_verified = getattr(user, "is_verified", None)
    return bool(callable(is_verified) and is_verified())


def require_two_factor(user, action: str) -> None:
    """Refuse the action unless the user needs no second factor or has verified one."""
    if not settings.BEACON_REQUIRE_TWO_FACTOR or _waived_for.get() is not None:
        return
    if not two_factor_required(user):
        return
    if is_two_factor_verified(user):
        return
    raise PermissionDenied(
        f"Two-factor authentication is required to {action}: set it up at {ENROL_PATH}"
    )


def confirmed_device(user) -> TOTPDevice | None:
    """Return the user's confirmed authenticator, if they have enrolled one."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_confirmed_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@transaction.atomic
def enrolment_device(user) -> TOTPDevice:
    """Return the user's unconfirmed device for enrolment, creating one with a fresh key."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def enrolment_confirm(*, user, device: TOTPDevice, token: str) -> bool:
    """Confirm the device if the token matches; remove any older devices. Return success."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
    if not device.verify_token(token.strip().replace(" ", "")):
        return False
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return True


def qr_code_svg(device: TOTPDevice) -> str:
    """Return the device's otpauth:// address as an inline SVG QR code (no external fetch)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", svgclass="qr-code", lineclass="qr-line"
    )
