"""Issue 23, M3: the mailbox an address reaches, which mail budgets count on."""

from __future__ import annotations

import pytest

from shared.mailbox import mailbox


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("Stranger+7@Example.org", "stranger@example.org"),
        ("stranger+a+b@example.org", "stranger@example.org"),
        ("s.t.r.anger+x@gmail.com", "stranger@gmail.com"),
        ("S.Tranger@GoogleMail.com", "stranger@gmail.com"),
        ("first.last@example.org", "first.last@example.org"),  # dots only matter at Gmail
        ("+tag@example.org", "+tag@example.org"),  # nothing before the tag: kept as typed
    ],
)
def test_aliases_reach_one_mailbox(address: str, expected: str) -> None:
    assert mailbox(address) == expected
