"""Celery tasks for sends: take a send id, re-read the rows, deliver what is due.

Retries live in the SendRecipient rows (`attempts`, `next_attempt_at`), not in Celery: a run
delivers one batch and re-enqueues itself for the earliest due row, and the beat sweep wakes any
send whose re-enqueued run was lost. Running a task twice is safe: a row is sent only while it is
pending and due, under a row lock.
"""

from celery import shared_task
from django.utils import timezone

from .services.sending import send_process_due, sends_due


@shared_task(name="communications.stakeholders.send_batch", ignore_result=True)
def send_batch(send_id: int) -> None:
    """Deliver a batch of the send's due recipients, then wake again for the next due one."""
    result = send_process_due(send_id=send_id)
    if result.next_attempt_at is not None:
        countdown = max(0.0, (result.next_attempt_at - timezone.now()).total_seconds())
        send_batch.apply_async((send_id,), countdown=countdown)


@shared_task(name="communications.stakeholders.send_sweep", ignore_result=True)
def send_sweep() -> int:
    """Wake every send with a recipient due now (beat runs this every minute as a safety net)."""
    due = sends_due()
    for send_id in due:
        send_batch.delay(send_id)
    return len(due)


__all__ = ["send_batch", "send_sweep"]
