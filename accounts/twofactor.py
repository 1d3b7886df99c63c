"""Two-factor authentication (TOTP through django-otp) for the roles that approve and publish.

Legal, Executive and Incident Command (and superusers, who hold every permission) must have
verified a TOTP device in the current session before a service lets them approve, sign off,
waive or publish. Everyone else may use Beacon with a password alone. The check lives in the
services, so no view and no future screen can forget it.
"""

import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

import segno
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .roles import Role

TWO_FACTOR_ROLES = frozenset({Role.LEGAL, Role.EXECUTIVE, Role.INCIDENT_COMMAND})
ENROL_PATH = "/account/two-factor/"
DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10

security_log = logging.getLogger("beacon.security")

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
    """Return whether the user has a confirmed authenticator app."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


SECOND_FACTOR_FLAG = "second_factor_enrolled"  # set on the user row by BeaconModelBackend


def second_factor_exists() -> ExpressionWrapper:
    """Return a query expression: the user (OuterRef "pk") has an authenticator or codes left."""
    authenticator = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    recovery = StaticToken.objects.filter(device__user=OuterRef("pk"), device__confirmed=True)
    return ExpressionWrapper(Q(Exists(authenticator)) | Q(Exists(recovery)), BooleanField())


def has_second_factor(user) -> bool:
    """Return whether a password alone must not open the account, read from the database.

    True when the user has a confirmed authenticator or unused recovery codes. Decided on every
    request of a session that has not passed the code step, never remembered across requests:
    a session opened before the user enrolled must ask for a code from the moment they do. The
    signed-in user's row carries the answer, read with it in the same query (accounts/backends.py).
    """
    flag = getattr(user, SECOND_FACTOR_FLAG, None)
    if flag is not None:
        return bool(flag)
    users = get_user_model().objects.annotate(**{SECOND_FACTOR_FLAG: second_factor_exists()})
    return users.filter(pk=user.pk, **{SECOND_FACTOR_FLAG: True}).exists()


# Throttle ------------------------------------------------------------------------------------
# django-otp doubles the pause after each wrong code without end (1 s, 2 s, 4 s ... after 20
# paced failures, six days). Anyone holding the password could pace failures to keep the real
# user out of the code step for days, so the failure count is capped: the pause stops doubling
# at the last step below BEACON_OTP_THROTTLE_MAX_SECONDS. Guessing stays slow: one try per
# pause, each with three chances in a million.


def _max_counted_failures(device) -> int:
    """Return the failure count whose pause is the longest one within the cap."""
    factor = device.get_throttle_factor() or 1
    cap = max(settings.BEACON_OTP_THROTTLE_MAX_SECONDS, factor)
    return 1 + int(math.log2(cap / factor))


def _cap_failures(device) -> None:
    limit = _max_counted_failures(device)
    if device.throttling_failure_count > limit:
        device.throttling_failure_count = limit
        device.save(update_fields=["throttling_failure_count"])


def verify_allowed(device) -> tuple[bool, dict | None]:
    """Return django-otp's (allowed, details) for the device, with the capped failure count."""
    _cap_failures(device)
    return device.verify_is_allowed()


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of a code: the device that accepted it, or why none did."""

    device: Device | None = None
    retry_at: datetime | None = None  # set when checks are paused after wrong codes

    @property
    def ok(self) -> bool:
        return self.device is not None


def _device_for_code(user, code: str, *, lock: bool):
    """Return the confirmed device a code of this shape belongs to (app code or recovery code)."""
    if code.isdigit():
        devices = TOTPDevice.objects.filter(user=user, confirmed=True)
    else:
        devices = StaticDevice.objects.filter(user=user, confirmed=True)
    if lock:
        devices = devices.select_for_update()
    return devices.order_by("pk").first()


def normalise_code(code: str) -> str:
    """Return a typed code without spaces or dashes; recovery codes in lower case."""
    return "".join(code.split()).replace("-", "").lower()


@transaction.atomic
def code_check(*, user, code: str) -> CodeCheck:
    """Check a code from the user's authenticator or one of their recovery codes.

    The device row is locked, so two requests cannot both use one code. A recovery code is
    used up by a match. Wrong codes pause further checks (capped, see above) and are logged
    with the username, never the code.
    """
    code = normalise_code(code)
    device = _device_for_code(user, code, lock=True)
    if device is None:
        return CodeCheck()
    allowed, details = verify_allowed(device)
    if not allowed:
        return CodeCheck(retry_at=details["locked_until"])
    if device.verify_token(code):
        return CodeCheck(device=device)
    _cap_failures(device)
    security_log.warning(
        "wrong two-factor code for user %s (%s in a row)",
        user.get_username(),
        device.throttling_failure_count,
    )
    return CodeCheck()


# Enrolment, replacement and recovery codes ---------------------------------------------------


@transaction.atomic
def enrolment_device(user) -> TOTPDevice:
    """Return the user's unconfirmed device for enrolment, creating one with a fresh key."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


class CurrentCodeRequired(Exception):
    """Replacing an authenticator or its recovery codes needs a code from the current one."""

    def __init__(self, check: CodeCheck | None = None):
        self.check = check
        super().__init__("Enter a current code from your authenticator app or a recovery code.")


def _require_current_code(user, current_code: str) -> None:
    if not current_code.strip():
        raise CurrentCodeRequired()
    check = code_check(user=user, code=current_code)
    if not check.ok:
        raise CurrentCodeRequired(check)


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    recovery_codes: list[str]  # made now, to show once; empty if the user keeps their codes


def enrolment_confirm(
    *, user, device: TOTPDevice, token: str, current_code: str = ""
) -> Enrolment | None:
    """Confirm the new authenticator if its code matches; return None if it does not.

    Replacing a confirmed authenticator needs `current_code`, from it or a recovery code
    (raises CurrentCodeRequired): a session left open, or one opened with a stolen password,
    cannot swap the owner's phone for the attacker's. The old authenticator is removed. A user
    without recovery codes gets ten.
    """
    replacing = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    if replacing and not current_code.strip():
        raise CurrentCodeRequired()
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(
            pk=device.pk, user=user, confirmed=False
        )
        _cap_failures(device)
        if not device.verify_token(normalise_code(token)):
            return None
    if replacing:
        # Checked in its own transaction, so a wrong current code counts towards the throttle;
        # after the new code, so a recovery code is not spent on a mistyped new one.
        _require_current_code(user, current_code)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = []
        if not StaticToken.objects.filter(device__user=user, device__confirmed=True).exists():
            codes = _recovery_codes_replace(user)
    security_log.warning(
        "two-factor %s for user %s",
        "authenticator replaced" if replacing else "enrolled",
        user.get_username(),
    )
    return Enrolment(device=device, recovery_codes=codes)


def _recovery_codes_replace(user) -> list[str]:
    """Replace the user's recovery codes with RECOVERY_CODE_COUNT new ones; return them."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = set()
    while len(codes) < RECOVERY_CODE_COUNT:
        codes.add(StaticToken.random_token())
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in sorted(codes))
    return sorted(codes)


def recovery_codes_renew(*, user, current_code: str) -> list[str]:
    """Replace the user's recovery codes after a current code; return the new ones to show once."""
    _require_current_code(user, current_code)
    with transaction.atomic():
        codes = _recovery_codes_replace(user)
    security_log.warning("two-factor recovery codes renewed for user %s", user.get_username())
    return codes


@transaction.atomic
def two_factor_reset(*, actor, user) -> list[str]:
    """Administrator's recovery for a lost phone: remove the authenticator, issue new codes.

    The actor must have passed two-factor in this session (the admin site asks for it). The
    user keeps needing a second factor: the new recovery codes, handed over in person after
    checking who they are, open the account once each, and with one they enrol a new phone.
    Returns the codes, to show to the actor once.
    """
    if settings.BEACON_REQUIRE_TWO_FACTOR and not is_two_factor_verified(actor):
        raise PermissionDenied("Two-factor authentication is required to reset two-factor.")
    TOTPDevice.objects.filter(user=user).delete()
    codes = _recovery_codes_replace(user)
    security_log.warning(
        "two-factor reset for user %s by administrator %s: authenticator removed, "
        "new recovery codes issued",
        user.get_username(),
        actor.get_username(),
    )
    return codes


def qr_code_svg(device: TOTPDevice) -> str:
    """Return the device's otpauth:// address as an inline SVG QR code (no external fetch)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", svgclass="qr-code", lineclass="qr-line"
    )
