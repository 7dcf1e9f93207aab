"""Customer's reads stay the same size whatever the number of the owner's sites (issue 25.5): the
dashboard's list reads D1 as often for five sites as for one, and a write looks up its site's rank
among the owner's sites without loading them all. (That no statement walks a whole table is
tests/test_query_plans.py.)"""

from __future__ import annotations

import re
from typing import Any

import pytest

from devstack.stack import Stack
from tests.customer.conftest import Owner


def recorded(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every read of customer's D1 from now on: (statement, rows it returned)."""
    reads: list[tuple[str, int]] = []
    d1 = stack.databases["customer"]
    original = d1.all

    async def recording(sql: str, params: Any = ()) -> Any:
        rows = await original(sql, params)
        reads.append((sql, len(rows)))
        return rows

    monkeypatch.setattr(d1, "all", recording)
    return reads


async def sites_with_domains(owner: Owner, n: int, start: int = 0) -> list[dict[str, Any]]:
    made = []
    for i in range(start, start + n):
        site = await owner.new_site(f"Bakery {i}")
        await owner.ok("POST", "/api/v1/domains", {"site_id": site["id"], "hostname": f"bakery-{i}.example.com"}, 201)
        made.append(site)
    return made


async def test_the_dashboards_list_reads_d1_as_often_for_five_sites_as_for_one(
    owner: Owner, stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sites_with_domains(owner, 1)
    reads = recorded(stack, monkeypatch)
    one = await owner.ok("GET", "/api/v1/sites")
    for_one = len(reads)
    monkeypatch.undo()
    await sites_with_domains(owner, 4, start=1)
    reads = recorded(stack, monkeypatch)
    five = await owner.ok("GET", "/api/v1/sites")
    assert [len(s["domains"]) for s in five["sites"]] == [1] * 5  # each site's own domain listed
    assert one["sites"][0] in five["sites"]
    assert len(reads) == for_one, reads


async def test_a_write_reads_as_many_site_rows_with_five_sites_as_with_one(
    owner: Owner, stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def rows_read_by_a_save(site: dict[str, Any]) -> int:
        reads = recorded(stack, monkeypatch)
        await owner.ok("PATCH", f"/api/v1/sites/{site['id']}", {"name": f"{site['name']} & Co"})
        monkeypatch.undo()
        return sum(rows for sql, rows in reads if re.search(r"\bFROM sites\b", sql))

    first = await owner.new_site("Bakery 0")
    with_one = await rows_read_by_a_save(first)
    for i in range(1, 5):
        await owner.new_site(f"Bakery {i}")
    assert await rows_read_by_a_save(first) == with_one
