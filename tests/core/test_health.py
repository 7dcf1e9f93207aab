from devstack.stack import Stack
from tests.conftest import get


async def test_health_reports_all_five_workers_and_their_stores(stack: Stack) -> None:
    response = await stack.core.handle(get("/api/v1/health"))
    assert response.status == 200
    report = response.json()
    assert report["status"] == "ok"
    assert set(report["workers"]) == {"core", "customer", "billing", "mailer", "domain"}
    assert report["workers"]["customer"]["stores"] == {"d1": "ok", "r2": "ok"}
    assert report["workers"]["domain"]["stores"] == {"r2": "ok"}


async def test_a_worker_that_fails_makes_health_degraded_with_503(stack: Stack) -> None:
    async def broken(request):
        raise ConnectionError("binding down")

    stack.billing.dispatch = broken
    response = await stack.core.handle(get("/api/v1/health"))
    assert response.status == 503
    report = response.json()
    assert report["status"] == "degraded"
    assert report["workers"]["billing"]["status"] == "down"
    assert report["workers"]["customer"]["status"] == "ok"


async def test_a_missing_table_is_reported(stack: Stack) -> None:
    await stack.databases["mailer"].run("DROP TABLE suppressions")
    report = (await stack.core.handle(get("/api/v1/health"))).json()
    assert report["workers"]["mailer"]["stores"]["d1"] == "missing tables: suppressions"


async def test_plans_are_served_from_the_shared_definition(stack: Stack) -> None:
    from shared import plans

    served = (await stack.core.handle(get("/api/v1/plans"))).json()["plans"]
    assert [p["id"] for p in served] == [p.id for p in plans.PLANS]
    assert served[2]["entitlements"]["custom_domains"] == plans.PRO.entitlements.custom_domains
