"""Redis killed while a task runs: the worker lives on; the task is done once after Redis returns.

The attack that broke Beacon: Redis dropped while the worker ran a task, and the worker died
(celery 5.7.0 closed the lost connection a second time, restoring unacknowledged messages through
a transport whose client was already gone: kombu `_connparams` AttributeError). Nothing restarted
it, so no email, reminder, PDF or letter went out afterwards.

Here the task is a stakeholder email send whose SMTP server holds the first message: the task is
provably running when Redis is killed (SIGKILL, no persistence), and it finishes only after Redis
is back. Each contact must then have exactly one email, and the worker must take new work.
"""

import asyncio
import threading
from dataclasses import dataclass, field

import pytest

from communications.models import NotificationLogEntry, Send, SendRecipient
from communications.stakeholders import services as stakeholder_services
from incidents.models import Heartbeat
from incidents.tasks import heartbeat
from tests.communications.factories import incident_with_facts
from tests.communications.stakeholders.helpers import (
    RecordingHandler,
    SmtpServer,
    group_with_contacts,
    released,
)
from tests.conftest import wait_until
from tests.reliability.conftest import ProductionWorker, redis_stopped

pytestmark = [pytest.mark.reliability, pytest.mark.redis, pytest.mark.celery]

ADDRESSES = ["ana@example.org", "ben@example.org", "cy@example.org"]
BLIPS = 3


@dataclass
class HoldingHandler(RecordingHandler):
    """Records messages like RecordingHandler, but holds each one until `release` is set."""

    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.holding.set()
        await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 120)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def holding_smtp():
    server = SmtpServer()
    server.handler = HoldingHandler()
    server.controller.handler = server.handler
    server.start()
    yield server
    server.handler.release.set()
    server.stop()


def test_the_worker_survives_redis_killed_mid_task_and_the_task_is_done_once(
    redis_broker, transactional_db, command_user, legal_user, comms_user, holding_smtp
):
    incident = incident_with_facts(command_user, legal_user, comms_user, severity=2)
    document = released(incident, comms_user, legal_user)
    group = group_with_contacts(comms_user, ADDRESSES)
    row = stakeholder_services.stakeholder_map_add(actor=comms_user, incident=incident, group=group)
    worker = ProductionWorker(extra_env=holding_smtp.env(), concurrency=2).start()

    def wait_for(predicate, what: str, timeout: float = 90) -> None:
        try:
            wait_until(predicate, timeout=timeout, interval=0.5, what=what)
        except pytest.fail.Exception:
            pytest.fail(f"timed out waiting for {what}; the worker's log:\n{worker.log()[-8000:]}")

    def alive() -> bool:
        return worker.process.poll() is None

    try:
        wait_for(lambda: "ready." in worker.log(), "the worker to start")
        send = stakeholder_services.send_start(actor=comms_user, stakeholder=row, document=document)
        wait_for(holding_smtp.handler.holding.is_set, "the send task to reach the SMTP server")

        # Three blips while the task runs: how the connection loss is first noticed (the BRPOP
        # socket or the pub/sub one used by gossip and remote control) varies, and celery 5.7.0
        # died on about half of them.
        for blip in range(1, BLIPS + 1):
            with redis_stopped(kill=True):
                wait_for(
                    lambda n=blip: worker.log().count("Connection to broker lost") >= n,
                    f"the worker to notice Redis is gone (blip {blip})",
                )
            wait_for(
                lambda n=blip: worker.log().count("Connected to redis") > n or not alive(),
                f"the worker to reconnect to Redis (blip {blip})",
            )
            assert alive(), f"the worker died at blip {blip}:\n" + worker.log()[-8000:]
            assert not holding_smtp.handler.messages, "the task finished before Redis returned"

        holding_smtp.handler.release.set()  # the task, still running, now finishes
        wait_for(
            lambda: Send.objects.get(pk=send.pk).status != Send.Status.SENDING,
            "the send to finish after Redis returned",
        )
        # The worker still takes new work through the new connection.
        heartbeat.delay("after-redis-loss")
        wait_for(
            lambda: Heartbeat.objects.filter(name="after-redis-loss").exists(),
            "the worker to run a task sent after Redis returned",
        )
        assert alive()
    finally:
        holding_smtp.handler.release.set()
        worker.stop()

    assert sorted(holding_smtp.handler.delivered_to()) == ADDRESSES, "each contact exactly once"
    assert Send.objects.get(pk=send.pk).status == Send.Status.DONE
    assert list(SendRecipient.objects.filter(send=send).values_list("attempts", flat=True)) == [
        1,
        1,
        1,
    ]
    assert NotificationLogEntry.objects.filter(send_recipient__send=send).count() == 3
