"""Writes a user makes to their own notification centre: mark read, email preferences."""

from django.db import transaction
from django.utils import timezone

from ..models import Notification, NotificationPreference, ReminderKind


@transaction.atomic
def notification_mark_read(*, user, notification_id: int) -> bool:
    """Mark one of the user's notifications read; return whether it was unread."""
    return bool(
        Notification.objects.filter(pk=notification_id, user=user, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    )


@transaction.atomic
def notifications_mark_all_read(*, user) -> int:
    """Mark every unread notification of the user read; return how many."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def notification_preferences_set(*, user, email_by_kind: dict[str, bool]) -> None:
    """Store the user's email choice per reminder kind (escalations are always emailed)."""
    for kind in ReminderKind.values:
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"email": bool(email_by_kind.get(kind, True))}
        )


def email_preferences(user) -> dict[str, bool]:
    """Return the user's email choice per reminder kind (on unless turned off)."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "email"))
    return {kind: chosen.get(kind, True) for kind in ReminderKind.values}
