"""The account API stand-in refuses what Cloudflare refuses when wrangler deploys, so a rehearsal that
passes against it has met the rules a real deploy meets."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from devstack.cloudflare_account import ALL_ZONES, AccountStandin, TokenScopes
from shared.http import Request, Response

ACCOUNT = "a" * 32
TOKEN = "deploy-token"
BASE = f"/client/v4/accounts/{ACCOUNT}"
AUTH = {"authorization": f"Bearer {TOKEN}", "content-type": "application/json"}
BOUNDARY = "----standin-test"


@pytest.fixture
def account(tmp_path: Path) -> AccountStandin:
    return AccountStandin(tmp_path, TOKEN, ACCOUNT, {"example.com": "z" * 32})


def call(method: str, path: str, body: object = None, headers: dict[str, str] | None = None) -> Request:
    data = b"" if body is None else json.dumps(body).encode()
    return Request(method, f"/client/v4{path}", headers=AUTH if headers is None else headers, body=data)


def upload(name: str, bindings: list[dict[str, object]], flags: tuple[str, ...] = ("python_workers",),
           modules: dict[str, bytes] | None = None,
           migrations: dict[str, object] | None = None) -> Request:  # fmt: skip
    """A worker upload as wrangler sends it: multipart, a `metadata` part, then one part per module."""
    metadata = {"main_module": "entry.py", "compatibility_date": "2026-07-30", "compatibility_flags": list(flags),
                "bindings": bindings, **({"migrations": migrations} if migrations else {})}  # fmt: skip
    parts = [("metadata", "application/json", json.dumps(metadata).encode())]
    parts += [(m, "text/x-python", body) for m, body in (modules or {"entry.py": b"print('hi')\n"}).items()]
    body = b"".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{n}"; filename="{n}"\r\n'.encode()
        + f"Content-Type: {t}\r\n\r\n".encode()
        + data
        + b"\r\n"
        for n, t, data in parts
    )
    body += f"--{BOUNDARY}--\r\n".encode()
    headers = {"authorization": f"Bearer {TOKEN}", "content-type": f"multipart/form-data; boundary={BOUNDARY}"}
    return Request("PUT", f"{BASE}/workers/scripts/{name}", headers=headers, body=body)


def error(response: Response) -> tuple[int, int]:
    return response.status, response.json()["errors"][0]["code"]


async def test_a_wrong_token_or_account_is_refused(account: AccountStandin) -> None:
    assert error(await account.handle(call("GET", f"/accounts/{ACCOUNT}/d1/database", headers={}))) == (403, 10000)
    assert error(await account.handle(call("GET", f"/accounts/{'b' * 32}/d1/database"))) == (403, 9109)
    assert (await account.handle(call("GET", "/user/tokens/verify"))).json()["result"]["status"] == "active"


async def test_a_service_binding_to_a_worker_not_deployed_yet_is_10143(account: AccountStandin) -> None:
    binding = {"type": "service", "name": "MAILER", "service": "mailer"}
    refused = await account.handle(upload("core", [binding]))
    assert error(refused) == (400, 10143)
    assert 'script "mailer" not found' in refused.json()["errors"][0]["message"]
    assert account.worker_names() == []  # nothing half-made
    assert (await account.handle(upload("mailer", []))).status == 200
    assert (await account.handle(upload("core", [binding]))).status == 200


async def test_an_unknown_d1_id_is_10181_and_a_created_one_binds(account: AccountStandin) -> None:
    refused = await account.handle(
        upload("w", [{"type": "d1", "name": "DB", "id": "00000000-0000-4000-8000-00000000c0de"}])
    )
    assert error(refused) == (400, 10181)  # the API's code since 2026 (it was 10021)
    assert "which was not found. Verify the database exists" in refused.json()["errors"][0]["message"]
    created = (await account.handle(call("POST", f"/accounts/{ACCOUNT}/d1/database", {"name": "db-staging"}))).json()
    assert (
        await account.handle(upload("w", [{"type": "d1", "name": "DB", "id": created["result"]["uuid"]}]))
    ).status == 200


async def test_python_modules_need_the_python_workers_flag(account: AccountStandin) -> None:
    assert error(await account.handle(upload("w", [], flags=()))) == (400, 10021)


async def test_an_upload_over_the_plan_size_limit_is_10027(tmp_path: Path) -> None:
    small = AccountStandin(tmp_path, TOKEN, ACCOUNT, {}, size_limit=1024)
    noise = random.Random(0).randbytes(4096)  # noqa: S311 (test data that does not compress)
    assert error(await small.handle(upload("w", [], modules={"entry.py": noise}))) == (400, 10027)


async def test_d1_runs_real_sql_and_state_survives_a_restart(account: AccountStandin, tmp_path: Path) -> None:
    db = (await account.handle(call("POST", f"/accounts/{ACCOUNT}/d1/database", {"name": "db"}))).json()["result"]
    query = f"/accounts/{ACCOUNT}/d1/database/{db['uuid']}/query"
    assert (
        await account.handle(call("POST", query, {"sql": "CREATE TABLE t (x);\nINSERT INTO t VALUES (1);"}))
    ).status == 200
    bad = await account.handle(call("POST", query, {"sql": "SELECT * FROM missing"}))
    assert bad.status == 400
    again = AccountStandin(tmp_path, TOKEN, ACCOUNT, {"example.com": "z" * 32})
    rows = (await again.handle(call("POST", query, {"sql": "SELECT x FROM t"}))).json()["result"][0]["results"]
    assert rows == [{"x": 1}]
    assert error(await again.handle(call("POST", f"/accounts/{ACCOUNT}/d1/database", {"name": "db"}))) == (400, 7502)


async def test_secrets_and_inherited_bindings_carry_over_to_the_next_version(account: AccountStandin) -> None:
    secret = {"type": "secret_text", "name": "API_KEY", "text": "s3cret"}
    assert (await account.handle(upload("w", [secret]))).status == 200
    assert (await account.handle(upload("w", [{"type": "inherit", "name": "API_KEY"}]))).status == 200
    assert account.uploaded("w")["secrets"] == {"API_KEY": "s3cret"}
    assert "s3cret" not in json.dumps(account.uploaded("w")["metadata"])  # never stored in the metadata
    refused = await account.handle(upload("w", [{"type": "inherit", "name": "NEVER_SET"}]))
    assert error(refused) == (400, 10021)


async def test_routes_need_a_zone_on_the_account_and_one_owner_per_pattern(account: AccountStandin) -> None:
    await account.handle(upload("a", []))
    await account.handle(upload("b", []))
    route = [{"pattern": "*/*", "zone_name": "example.com"}]
    assert (await account.handle(call("PUT", f"/accounts/{ACCOUNT}/workers/scripts/a/routes", route))).status == 200
    taken = await account.handle(call("PUT", f"/accounts/{ACCOUNT}/workers/scripts/b/routes", route))
    assert error(taken) == (409, 10020)
    elsewhere = [{"pattern": "*/*", "zone_name": "not-ours.com"}]
    outside = await account.handle(call("PUT", f"/accounts/{ACCOUNT}/workers/scripts/b/routes", elsewhere))
    assert error(outside) == (404, 10083)
    assert "zone_not_found" in outside.json()["errors"][0]["message"]


async def test_queue_bindings_need_the_queue_and_consumers_register_per_worker(account: AccountStandin) -> None:
    producer = {"type": "queue", "name": "MAIL", "queue_name": "mail"}
    assert error(await account.handle(upload("w", [producer]))) == (400, 10021)
    queue = (await account.handle(call("POST", f"/accounts/{ACCOUNT}/queues", {"queue_name": "mail"}))).json()["result"]
    assert error(await account.handle(call("POST", f"/accounts/{ACCOUNT}/queues", {"queue_name": "mail"}))) == (
        409,
        11009,
    )
    assert (await account.handle(upload("w", [producer]))).status == 200
    consumers = f"/accounts/{ACCOUNT}/queues/{queue['queue_id']}/consumers"
    settings = {"max_retries": 5}
    assert (await account.handle(call("POST", consumers, {"script_name": "w", "settings": settings}))).status == 200
    assert error(await account.handle(call("POST", consumers, {"script_name": "w"}))) == (409, 11004)
    assert account.queue_consumers("w")[0]["queue"] == "mail"
    assert account.queue_consumers("w")[0]["settings"] == settings


async def test_queues_listed_by_several_names_at_once(account: AccountStandin) -> None:
    """wrangler's deploy checks every queue it consumes in one call (`?name=a&name=b`); the stand-in
    read only one name, so a worker consuming two dead-letter queues failed to deploy."""
    for name in ("mail-dlq", "crm-dlq", "other"):
        await account.handle(call("POST", f"/accounts/{ACCOUNT}/queues", {"queue_name": name}))
    listed = call("GET", f"/accounts/{ACCOUNT}/queues")
    listed = Request(listed.method, listed.path, "page=1&name=mail-dlq&name=crm-dlq", listed.headers)
    names = {q["queue_name"] for q in (await account.handle(listed)).json()["result"]}
    assert names == {"mail-dlq", "crm-dlq"}


async def test_a_custom_domain_over_an_external_dns_record_is_100117_unless_overridden(tmp_path: Path) -> None:
    """100117 is "already has externally managed DNS records" (e.g. `www` keeping an old record); the
    changeset lists the hostname as conflicting, and override_existing_dns_record replaces it."""
    account = AccountStandin(tmp_path, TOKEN, ACCOUNT, {"example.com": "z" * 32}, external_dns={"www.example.com"})
    await account.handle(upload("core", []))
    origins = {"origins": [{"hostname": "www.example.com", "zone_name": "example.com"}]}
    records = f"/accounts/{ACCOUNT}/workers/scripts/core/domains/records"
    changeset = f"/accounts/{ACCOUNT}/workers/scripts/core/domains/changeset"
    conflicts = (await account.handle(call("POST", changeset, [{"hostname": "www.example.com"}]))).json()
    assert conflicts["result"]["conflicting"] == [{"hostname": "www.example.com"}]
    refused = await account.handle(call("PUT", records, origins))
    assert error(refused) == (409, 100117)
    assert "already has externally managed DNS records" in refused.json()["errors"][0]["message"]
    assert (await account.handle(call("PUT", records, {**origins, "override_existing_dns_record": True}))).status == 200
    assert account.data["domains"]["www.example.com"]["service"] == "core"
    again = (await account.handle(call("POST", changeset, [{"hostname": "www.example.com"}]))).json()
    assert again["result"]["conflicting"] == []


def scoped(tmp_path: Path, scopes: TokenScopes, routes_403_code: int | None = None) -> AccountStandin:
    return AccountStandin(
        tmp_path, TOKEN, ACCOUNT, {"example.com": "z" * 32, "other.com": "y" * 32},
        scopes=scopes, routes_403_code=routes_403_code,
    )  # fmt: skip


async def test_a_token_without_a_permission_is_403_10000(tmp_path: Path) -> None:
    account = scoped(tmp_path, TokenScopes(frozenset({"Workers Scripts: Edit"})))
    assert error(await account.handle(call("GET", f"/accounts/{ACCOUNT}/d1/database"))) == (403, 10000)
    assert error(await account.handle(call("POST", f"/accounts/{ACCOUNT}/queues", {"queue_name": "q"}))) == (403, 10000)
    assert (await account.handle(upload("w", []))).status == 200
    read_only = scoped(tmp_path / "ro", TokenScopes(frozenset({"D1: Read"})))
    assert (await read_only.handle(call("GET", f"/accounts/{ACCOUNT}/d1/database"))).status == 200
    created = await read_only.handle(call("POST", f"/accounts/{ACCOUNT}/d1/database", {"name": "db"}))
    assert error(created) == (403, 10000)
    # Zones the token has nothing on are not listed.
    zones = TokenScopes(frozenset(), zones=(("example.com", frozenset({"Zone: Read"})),))
    listed = await scoped(tmp_path / "z", zones).handle(call("GET", "/zones"))
    assert [z["name"] for z in listed.json()["result"]] == ["example.com"]


@pytest.mark.parametrize(
    ("code", "message"), [(None, "No access to the specified resource."), (10000, "Authentication error")]
)
async def test_routes_scoped_to_some_zones_get_the_account_level_routes_call_refused(
    tmp_path: Path, code: int | None, message: str
) -> None:
    """Wrangler's account-level `PUT /scripts/{name}/routes` needs Workers Routes on all zones. With
    zone-scoped routes the API answers 403: code 10000 (wrangler falls back to per-zone calls) or no
    code at all (workers-sdk#15718: wrangler fails the deploy after the upload)."""
    some = TokenScopes(
        frozenset({"Workers Scripts: Edit"}), zones=(("example.com", frozenset({"Workers Routes: Edit"})),)
    )
    account = scoped(tmp_path, some, routes_403_code=code)
    await account.handle(upload("w", []))
    route = [{"pattern": "*/*", "zone_name": "example.com"}]
    refused = await account.handle(call("PUT", f"/accounts/{ACCOUNT}/workers/scripts/w/routes", route))
    assert refused.status == 403
    assert refused.json()["errors"] == [{"code": code, "message": message}]
    # The per-zone calls wrangler falls back to are allowed on the granted zone, not on another.
    zone_routes = f"/zones/{'z' * 32}/workers/routes"
    assert (await account.handle(call("POST", zone_routes, {"pattern": "*/*", "script": "w"}))).status == 200
    assert error(await account.handle(call("GET", f"/zones/{'y' * 32}/workers/routes"))) == (403, 10000)
    every = TokenScopes(frozenset({"Workers Scripts: Edit"}), zones=((ALL_ZONES, frozenset({"Workers Routes: Edit"})),))
    allowed = scoped(tmp_path / "all", every, routes_403_code=code)
    await allowed.handle(upload("w", []))
    assert (await allowed.handle(call("PUT", f"/accounts/{ACCOUNT}/workers/scripts/w/routes", route))).status == 200


async def test_a_durable_object_binding_needs_a_migration_that_creates_its_class(account: AccountStandin) -> None:
    binding = {"type": "durable_object_namespace", "name": "SITE_STORE", "class_name": "SiteStore"}
    refused = await account.handle(upload("customer", [binding]))
    assert error(refused) == (400, 10061)
    assert "Cannot create binding for class 'SiteStore'" in refused.json()["errors"][0]["message"]
    first = {"new_tag": "v1", "steps": [{"new_sqlite_classes": ["SiteStore"]}]}
    assert (await account.handle(upload("customer", [binding], migrations=first))).status == 200
    # wrangler reads the script's tag to send only newer steps; a later upload without steps binds.
    service = (await account.handle(call("GET", f"/accounts/{ACCOUNT}/workers/services/customer"))).json()
    assert service["result"]["default_environment"]["script"]["migration_tag"] == "v1"
    assert (await account.handle(upload("customer", [binding]))).status == 200
    gone = {"old_tag": "v1", "new_tag": "v2", "steps": [{"deleted_classes": ["SiteStore"]}]}
    assert error(await account.handle(upload("customer", [binding], migrations=gone))) == (400, 10061)
