import pytest

from billing.entitlements import GRACE_SECONDS, effective
from billing.subscriptions import Record

NOW = 1_800_000_000.0


def record(status: str, **fields) -> Record:
    return Record("acc_1", "cus_1", "sub_1", "pro", status, **fields)


@pytest.mark.parametrize("status", ["active", "trialing"])
def test_paying_statuses_get_the_plan(status: str) -> None:
    state = effective("acc_1", record(status), NOW)
    assert state.plan.id == "pro"
    assert state.to_json()["entitlements"]["remove_badge"] is True


@pytest.mark.parametrize("status", ["canceled", "unpaid", "incomplete", "incomplete_expired", "paused"])
def test_other_statuses_are_free(status: str) -> None:
    state = effective("acc_1", record(status), NOW)
    assert state.plan.id == "free"
    assert state.to_json()["subscribed_plan"] == "pro"


def test_past_due_keeps_the_plan_until_the_grace_ends() -> None:
    failed = record("past_due", past_due_since=NOW)
    inside = effective("acc_1", failed, NOW + GRACE_SECONDS - 1)
    assert (inside.plan.id, inside.to_json()["grace_until"]) == ("pro", int(NOW + GRACE_SECONDS))
    assert effective("acc_1", failed, NOW + GRACE_SECONDS).plan.id == "free"


def test_no_record_or_no_subscription_is_free() -> None:
    assert effective("acc_1", None, NOW).to_json()["status"] == "none"
    assert effective("acc_1", Record("acc_1", email="a@example.com"), NOW).plan.id == "free"


def test_an_unknown_plan_grants_nothing() -> None:
    assert effective("acc_1", Record("acc_1", "cus", "sub", "platinum", "active"), NOW).plan.id == "free"
