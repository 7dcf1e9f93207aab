"""The mail sweeper (mailer's Cron): a message `queued` past its delivery window whose enqueue never
happened (or whose queue message was lost) is enqueued again, and sent once."""

from __future__ import annotations

from mailer.app import bootstrap_consumer, bootstrap_job
from mailer.sweeper import DELIVERY_WINDOW_SECONDS
from tests.mailer.conftest import MakeMailer
from tests.mailer.test_delivery import queued_mailer


class LostSend:
    """MAIL_QUEUE as a worker stopped between recording a message and enqueueing it sees it."""

    def __init__(self, queue) -> None:  # type: ignore[no-untyped-def]
        self.queue, self.lose = queue, True

    async def send(self, body, delay_seconds: int = 0) -> None:  # type: ignore[no-untyped-def]
        if self.lose:
            raise ConnectionError("the isolate stopped before the enqueue")
        await self.queue.send(body, delay_seconds)


async def test_a_message_whose_enqueue_never_happened_is_enqueued_again_and_sent_once(
    make_mailer: MakeMailer, clock
) -> None:
    # Before: such a row stayed `queued` forever and the mail was never sent.
    _, mail, _ = queued_mailer(make_mailer, clock)
    lost = LostSend(mail)
    mailer = make_mailer(queue=lost, mail_retry_seconds=30)
    failed = await mailer.send()
    assert failed.status == 500  # the caller saw the failure; the row is recorded `queued`
    (row,) = await mailer.rows("SELECT id, status, request FROM emails")
    assert row["status"] == "queued"
    assert row["request"] is not None
    lost.lose = False
    job = bootstrap_job(mailer.settings, mailer.ports)
    assert (await job("41 * * * *", clock.now()))["requeued"] == 0  # inside the window: nothing yet
    clock.advance(DELIVERY_WINDOW_SECONDS + 60)
    assert (await job("41 * * * *", clock.now()))["requeued"] == 1
    assert (await job("41 * * * *", clock.now()))["requeued"] == 0  # touched: a whole window before the next
    consumer = bootstrap_consumer(mailer.settings, mailer.ports)
    await mail.deliver(consumer)
    assert len(mailer.resend.emails) == 1
    (row,) = await mailer.rows("SELECT status, request FROM emails")
    assert (row["status"], row["request"]) == ("sent", None)  # the kept request goes with the queued state


async def test_a_message_enqueued_twice_is_sent_once(make_mailer: MakeMailer, clock) -> None:
    mailer, mail, _ = queued_mailer(make_mailer, clock)
    await mailer.send()
    clock.advance(DELIVERY_WINDOW_SECONDS + 60)  # its queue message is still there, but looks lost
    job = bootstrap_job(mailer.settings, mailer.ports)
    assert (await job("41 * * * *", clock.now()))["requeued"] == 1
    consumer = bootstrap_consumer(mailer.settings, mailer.ports)
    while mail.messages:
        await mail.deliver(consumer)
    assert len(mailer.resend.emails) == 1
