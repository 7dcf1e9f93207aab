"""The quick local stack over real HTTP (uvicorn), as a developer's curl sees it."""

import sys

import pytest

from devstack.stack import read_dev_vars
from tests import loopback
from tests.lane.harness import Process
from tools.ports import free_port


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    core, domain = free_port(), free_port()
    state = tmp_path_factory.mktemp("state")
    command = [sys.executable, "-m", "devstack.serve", "--state", str(state), "--core-port", str(core),
               "--domain-port", str(domain)]  # fmt: skip
    process = Process(command, "ready", [])
    yield f"http://127.0.0.1:{core}", f"http://127.0.0.1:{domain}"
    process.stop()


def test_health_over_http(served) -> None:
    core, _ = served
    operator = {"authorization": "Bearer " + read_dev_vars("core")["OPERATOR_TOKEN"]}
    reply = loopback.get(f"{core}/api/v1/health?deep=1", headers=operator)
    assert reply.status_code == 200
    assert {w["status"] for w in reply.json()["workers"].values()} == {"ok"}


def test_domain_404_over_http(served) -> None:
    _, domain = served
    reply = loopback.get(f"{domain}/", headers={"host": "nobody.localhost"})
    assert reply.status_code == 404
    assert "text/html" in reply.headers["content-type"]


def test_oversized_body_over_http_is_a_json_413(served) -> None:
    core, _ = served
    reply = loopback.post(f"{core}/api/v1/webhooks/stripe", content=b"x" * (1024 * 1024 + 10))
    assert reply.status_code == 413
    assert reply.json()["error"]["code"] == "body_too_large"


def test_the_portal_is_served_in_front_of_core(served) -> None:
    """`scripts/dev --cpython` is a whole local product: the portal's files (devstack/assets.py), then core."""
    core, _ = served
    page = loopback.get(f"{core}/sites/s_1", headers={"sec-fetch-mode": "navigate"})
    assert page.status_code == 200
    assert '<script type="module" src="/portal.js">' in page.text
    assert (
        "frame-src https://*.smartpages.site https://challenges.cloudflare.com http://*.localhost:*"
        in (page.headers["content-security-policy"])
    )
    assert loopback.get(f"{core}/portal.js").headers["content-type"] == "text/javascript; charset=utf-8"
    assert loopback.get(f"{core}/api/v1/sites").status_code == 401  # core's, not the app's index
