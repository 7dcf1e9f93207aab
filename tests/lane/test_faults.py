"""The fault-injection tier: each finding of issue 14 reproduced on the runtime lane under its
fault, and shown fixed. One lane for the module (tests/lane/faults.py), separate from the session's."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.lane import faults
from tests.lane.client import PASSWORD, PortalClient

pytestmark = pytest.mark.lane


@pytest.fixture(scope="module")
def lane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[faults.FaultLane]:
    with faults.running(tmp_path_factory.mktemp("faults")) as running:
        yield running


def wait_for(condition, seconds: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


def test_mail_outage_longer_than_the_retries_ends_failed_then_mail_flows_again(lane: faults.FaultLane) -> None:
    """Finding: after 3 failed attempts a message stayed `queued` forever, and callers took the 202
    as success. Now: retried with backoff through MAIL_QUEUE, dead-lettered and marked failed."""
    lane.resend_down(True)
    browser = PortalClient(lane.core)
    started = time.monotonic()
    signup = browser.post("/api/v1/auth/signup", {"email": "outage@example.com", "password": PASSWORD})
    assert signup.status_code == 201, signup.text
    assert time.monotonic() - started < 5  # the caller waited for the queue, not for Resend
    failed = wait_for(
        lambda: lane.d1("emails", "SELECT status, attempts, error FROM emails WHERE recipient = ?",
                        ("outage@example.com",)) if any(
            r["status"] == "failed" for r in lane.d1("emails", "SELECT status FROM emails WHERE recipient = ?",
                                                    ("outage@example.com",))) else None,
        90, "the message to be marked failed",
    )  # fmt: skip
    (row,) = failed
    assert row["attempts"] == faults.MAIL_RETRIES + 1
    assert "dead-letter queue" in row["error"]
    assert lane.resend_emails() == []
    lane.resend_down(False)
    again = PortalClient(lane.core).post("/api/v1/auth/signup", {"email": "after@example.com", "password": PASSWORD})
    assert again.status_code == 201
    wait_for(lambda: any("after@example.com" in e["to"] for e in lane.resend_emails()), 30, "mail after the outage")
    statuses = lane.d1("emails", "SELECT recipient, status FROM emails")
    assert {r["status"] for r in statuses} <= {"sent", "failed"}  # none silently queued
    sent = [e for e in lane.resend_emails() if "after@example.com" in e["to"]]
    assert len(sent) == 1  # once


def test_concurrent_sign_ups_with_one_email_never_answer_500(lane: faults.FaultLane) -> None:
    """Finding: 4 of 10 concurrent sign-ups with one email got 500 instead of 409."""
    body = {"email": "race@example.com", "password": PASSWORD}
    with ThreadPoolExecutor(10) as pool:
        replies = list(pool.map(lambda _: PortalClient(lane.core).post("/api/v1/auth/signup", body), range(10)))
    assert sorted(r.status_code for r in replies) == [201] + [409] * 9, [r.text for r in replies]
