"""Durable mail: /internal/send records and enqueues; the MAIL_QUEUE consumer sends once, retries
with backoff, and after the last retry the dead-letter consumer marks the message failed."""

from __future__ import annotations

import json

from devstack.queues import MemoryQueue
from mailer.app import bootstrap_consumer
from mailer.delivery import DEAD_LETTER_QUEUE, MAIL_QUEUE
from tests.mailer.conftest import MakeMailer, retry_delays


def queued_mailer(make_mailer: MakeMailer, clock, max_retries: int = 3):
    dlq = MemoryQueue(DEAD_LETTER_QUEUE, clock)
    mail = MemoryQueue(MAIL_QUEUE, clock, max_retries=max_retries, dead_letter=dlq)
    mailer = make_mailer(queue=mail, mail_retry_seconds=30)
    return mailer, mail, dlq


async def test_send_enqueues_and_the_consumer_sends_once(make_mailer: MakeMailer, clock) -> None:
    mailer, mail, _ = queued_mailer(make_mailer, clock)
    accepted = await mailer.send()
    assert (accepted.status, accepted.json()["status"]) == (202, "queued")
    assert mailer.resend.calls == []  # the caller waited for the queue only
    assert len(mail.messages) == 1
    consumer = bootstrap_consumer(mailer.settings, mailer.ports)
    assert await mail.deliver(consumer) == 1
    assert len(mailer.resend.emails) == 1
    email = await mailer.email(accepted.json()["id"])
    assert (email["status"], email["attempts"]) == ("sent", 1)
    # A redelivery (Queues deliver at least once) sends nothing more.
    await mail.send(json.loads(json.dumps({"email_id": email["id"], "request": {}})))
    await mail.deliver(consumer)
    assert len(mailer.resend.emails) == 1


async def test_an_outage_longer_than_the_retries_ends_failed_and_visible(make_mailer: MakeMailer, clock) -> None:
    """The finding: after 3 failed attempts a message stayed `queued` forever."""
    mailer, mail, dlq = queued_mailer(make_mailer, clock, max_retries=3)
    consumer = bootstrap_consumer(mailer.settings, mailer.ports)
    mailer.resend.fail_next(100, 503)
    accepted = await mailer.send()
    delays = await retry_delays(mail, consumer, clock)
    assert delays == [30, 60, 120]  # exponential backoff through retry(delaySeconds=…)
    assert len(dlq.messages) == 1
    email = await mailer.email(accepted.json()["id"])
    assert (email["status"], email["attempts"]) == ("queued", 4)  # not yet marked: the DLQ consumer does
    await dlq.deliver(consumer)
    email = await mailer.email(accepted.json()["id"])
    assert email["status"] == "failed"
    assert email["error"].startswith("gave up after 4 attempts (dead-letter queue): 503")
    # The provider is back: new mail goes out; the failed one is not sent behind the caller's back.
    mailer.resend._failures.clear()
    again = await mailer.send(idempotency_key="verify-email/tok_2")
    await mail.deliver(consumer)
    assert (await mailer.email(again.json()["id"]))["status"] == "sent"
    assert len(mailer.resend.emails) == 1


async def test_a_refused_message_is_failed_at_once_not_retried(make_mailer: MakeMailer, clock) -> None:
    mailer, mail, dlq = queued_mailer(make_mailer, clock)
    mailer.resend.fail_next(1, 422)
    accepted = await mailer.send()
    await mail.deliver(bootstrap_consumer(mailer.settings, mailer.ports))
    assert mail.messages == []
    assert dlq.messages == []
    assert (await mailer.email(accepted.json()["id"]))["status"] == "failed"


async def test_the_dead_letter_consumer_knows_its_queue_in_every_environment(make_mailer: MakeMailer, clock) -> None:
    """The finding: deployed, the queues are suffixed (`smartpages-mail-dlq-staging`), so the
    dead-letter consumer took a dead message for a new one and sent it again instead of marking it
    failed."""
    for environment in ("staging", "production"):
        dlq = MemoryQueue(f"{DEAD_LETTER_QUEUE}-{environment}", clock)
        mail = MemoryQueue(f"{MAIL_QUEUE}-{environment}", clock, max_retries=0, dead_letter=dlq)
        mailer = make_mailer(queue=mail, mail_retry_seconds=30)
        consumer = bootstrap_consumer(mailer.settings, mailer.ports)
        mailer.resend.fail_next(1, 503)
        accepted = await mailer.send(idempotency_key=f"verify-email/{environment}")
        await mail.deliver(consumer)
        assert len(dlq.messages) == 1
        mailer.resend._failures.clear()
        sent_before = len(mailer.resend.emails)
        await dlq.deliver(consumer)
        assert len(mailer.resend.emails) == sent_before  # not sent behind the caller's back
        assert (await mailer.email(accepted.json()["id"]))["status"] == "failed"
