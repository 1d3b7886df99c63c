"""Beat's safety nets: work whose wake-up was lost with the broker is finished by the sweep.

Services enqueue a task after commit; when Redis loses that message (an outage, a restart
without persistence) the rows still say what is due, and beat's sweeps wake the work again:
`mailmerge-resume-stalled` for letter runs, `stakeholders-send-sweep` for email sends. Here the
wake-up is lost on purpose (the test queue is purged), a real worker starts and does nothing,
and then the sweep is sent exactly as beat sends it, from CELERY_BEAT_SCHEDULE.

These tests stop no service, so they run everywhere (no `reliability` mark).
"""

import time

import pytest
from django.conf import settings

from communications.mailmerge import services as letter_services
from communications.models import MailMergeRun, RunStatus, Send, SendRecipient
from communications.stakeholders import services as stakeholder_services
from config.celery import app
from tests.communications.mailmerge.conftest import (  # noqa: F401 - fixtures
    PASSPHRASE,
    imported_batch,
    incident,
    letter_documents,
    mixed_rows,
    signing,
    signing_p12_path,
)
from tests.communications.stakeholders.helpers import SmtpServer, group_with_contacts, released
from tests.conftest import TEST_QUEUE, CeleryWorker, wait_until

pytestmark = pytest.mark.celery


def lose_the_wake_up() -> None:
    """Drop every message waiting in the test queue, as a broker that lost them would."""
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(TEST_QUEUE)


def beat_sends(entry_name: str) -> None:
    """Send one CELERY_BEAT_SCHEDULE entry as beat does: by task name, with its options."""
    entry = settings.CELERY_BEAT_SCHEDULE[entry_name]
    app.send_task(entry["task"], **entry.get("options", {}))


def ready(worker: CeleryWorker) -> None:
    wait_until(lambda: "ready." in worker.log(), timeout=90, what="the worker to start")


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    missing = [
        entry["task"]
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] not in app.tasks
    ]
    assert not missing


def test_the_sweep_leaves_a_run_that_is_making_progress_alone(
    db,
    command_user,
    incident,  # noqa: F811
    letter_documents,  # noqa: F811
    signing,  # noqa: F811
):
    batch = imported_batch(command_user, incident, letter_documents, mixed_rows(4))
    run = letter_services.run_start(actor=command_user, batch=batch, chunk_size=4)
    app.loader.import_default_modules()
    task = settings.CELERY_BEAT_SCHEDULE["mailmerge-resume-stalled"]["task"]
    app.tasks[task]()  # what the worker runs when beat's message arrives
    run.refresh_from_db()
    assert run.resumed_count == 0, "a run with a fresh heartbeat is not stalled"


def test_a_letter_run_whose_wake_up_was_lost_is_finished_by_the_beat_sweep(
    transactional_db,
    command_user,
    incident,  # noqa: F811
    letter_documents,  # noqa: F811
    signing,  # noqa: F811
    signing_p12_path,  # noqa: F811
    tmp_path,
):
    worker_var = tmp_path / "worker-var"
    worker_var.mkdir()
    signing.MEDIA_ROOT = str(worker_var / "media")
    rows = mixed_rows(8)
    batch = imported_batch(command_user, incident, letter_documents, rows)
    run = letter_services.run_start(actor=command_user, batch=batch, chunk_size=4)
    lose_the_wake_up()
    worker = CeleryWorker(
        extra_env={
            "BEACON_VAR_DIR": str(worker_var),
            "BEACON_SIGNING_P12": str(signing_p12_path),
            "BEACON_SIGNING_PASSPHRASE": PASSPHRASE,
            "BEACON_TSA_URL": "",
            "BEACON_MAILMERGE_STALL_SECONDS": "1",  # read by the worker from its environment
        }
    ).start()
    try:
        ready(worker)
        time.sleep(3)
        run.refresh_from_db()
        assert (run.status, run.chunks.count()) == (RunStatus.GENERATING, 0), "nothing woke it"

        beat_sends("mailmerge-resume-stalled")
        wait_until(
            lambda: MailMergeRun.objects.get(pk=run.pk).status != RunStatus.GENERATING,
            timeout=180,
            what="the sweep to resume the run and the worker to finish it",
        )
    finally:
        worker.stop()
    run.refresh_from_db()
    assert run.status == RunStatus.GENERATED, run.error
    assert run.resumed_count == 1
    assert [chunk.index for chunk in run.chunks.order_by("index")] == [0, 1]
    assert run.letters_done == len(rows)


def test_an_email_send_whose_wake_up_was_lost_is_delivered_once_by_the_beat_sweep(
    transactional_db,
    command_user,
    legal_user,
    comms_user,
    incident,  # noqa: F811
):
    addresses = ["ana@example.org", "ben@example.org"]
    document = released(incident, comms_user, legal_user)
    group = group_with_contacts(comms_user, addresses)
    row = stakeholder_services.stakeholder_map_add(actor=comms_user, incident=incident, group=group)
    smtp = SmtpServer().start()
    try:
        send = stakeholder_services.send_start(actor=comms_user, stakeholder=row, document=document)
        lose_the_wake_up()
        worker = CeleryWorker(extra_env=smtp.env()).start()
        try:
            ready(worker)
            time.sleep(3)
            assert smtp.handler.messages == [], "nothing woke the send"

            beat_sends("stakeholders-send-sweep")
            wait_until(
                lambda: Send.objects.get(pk=send.pk).status != Send.Status.SENDING,
                timeout=90,
                what="the sweep to wake the send and the worker to deliver it",
            )
            beat_sends("stakeholders-send-sweep")  # a later sweep finds nothing left to do
            time.sleep(3)
        finally:
            worker.stop()
    finally:
        smtp.stop()
    assert sorted(smtp.handler.delivered_to()) == addresses, "each contact exactly once"
    assert set(SendRecipient.objects.filter(send=send).values_list("attempts", flat=True)) == {1}
