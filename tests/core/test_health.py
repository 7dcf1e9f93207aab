import pytest

from devstack.stack import Stack, read_dev_vars
from tests.conftest import error_code, get

OPERATOR = {"authorization": "Bearer " + read_dev_vars("core")["OPERATOR_TOKEN"]}


def deep(headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return get("/api/v1/health?deep=1", OPERATOR if headers is None else headers)


async def test_public_health_answers_from_memory(stack: Stack, monkeypatch) -> None:
    """Issue 15: each unauthenticated call wrote to R2 and queried four databases."""
    touched: list[str] = []
    for name, db in stack.databases.items():
        monkeypatch.setattr(db, "all", lambda *a, _n=name, **k: touched.append(_n))
    monkeypatch.setattr(stack.blobs, "put", lambda *a, **k: touched.append("r2"))
    response = await stack.core.handle(get("/api/v1/health"))
    assert (response.status, response.json()) == (200, {"status": "ok", "worker": "core"})
    assert touched == []


@pytest.mark.parametrize("headers", [{}, {"authorization": "Bearer wrong"}, {"authorization": "Basic x"}])
async def test_the_deep_check_needs_the_operator_token(stack: Stack, headers: dict[str, str]) -> None:
    response = await stack.core.handle(deep(headers))
    assert (response.status, error_code(response)) == (401, "operator_token_required")


async def test_health_reports_all_five_workers_and_their_stores(stack: Stack) -> None:
    response = await stack.core.handle(deep())
    assert response.status == 200
    report = response.json()
    assert report["status"] == "ok"
    assert set(report["workers"]) == {"core", "customer", "billing", "mailer", "domain"}
    assert report["workers"]["customer"]["stores"] == {"d1": "ok", "r2": "ok", "site_stores": "ok"}
    assert report["workers"]["domain"]["stores"] == {"r2": "ok"}


async def test_a_worker_that_fails_makes_health_degraded_with_503(stack: Stack) -> None:
    async def broken(request):
        raise ConnectionError("binding down")

    stack.billing.dispatch = broken
    response = await stack.core.handle(deep())
    assert response.status == 503
    report = response.json()
    assert report["status"] == "degraded"
    assert report["workers"]["billing"]["status"] == "down"
    assert report["workers"]["customer"]["status"] == "ok"


async def test_a_missing_table_is_reported(stack: Stack) -> None:
    await stack.databases["mailer"].run("DROP TABLE suppressions")
    report = (await stack.core.handle(deep())).json()
    assert report["workers"]["mailer"]["stores"]["d1"] == "missing tables: suppressions"


async def test_plans_are_served_from_the_shared_definition(stack: Stack) -> None:
    from shared import plans

    served = (await stack.core.handle(get("/api/v1/plans"))).json()["plans"]
    assert [p["id"] for p in served] == [p.id for p in plans.PLANS]
    assert served[2]["entitlements"]["custom_domains"] == plans.PRO.entitlements.custom_domains
