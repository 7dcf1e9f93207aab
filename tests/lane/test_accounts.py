"""Accounts end to end on the lane: core on Pyodide with WebCrypto PBKDF2, D1 through Miniflare,
mail through mailer into the dev outbox. What the runtime does not change is shown in process only:
a reset link working once (tests/core/test_accounts.py), an unknown address and a wrong password
answering alike (tests/core/test_security.py)."""

from __future__ import annotations

import pytest

from tests import loopback
from tests.lane.client import PASSWORD, PortalClient
from tests.lane.harness import Lane

pytestmark = pytest.mark.lane


def test_sign_up_verify_log_in_list_sessions_log_out(lane: Lane) -> None:
    browser = PortalClient(lane.core)
    signed_up = browser.post(
        "/api/v1/auth/signup",
        {
            "email": "lane-ada@example.com",
            "password": PASSWORD,
            "attribution": {"plan": "pro", "utm_source": "hubspot"},
        },
    )
    assert signed_up.status_code == 202, signed_up.text
    assert browser.cookie == ""

    token = browser.last_token("verify_email", "lane-ada@example.com")
    verified = browser.post("/api/v1/auth/verify", {"token": token})
    assert verified.status_code == 200, verified.text
    cookie = verified.headers["set-cookie"]
    assert cookie.startswith("__Host-session=")
    for flag in ("Secure", "HttpOnly", "Path=/", "SameSite=Lax"):
        assert flag in cookie
    assert verified.json()["account"]["attribution"] == {"plan": "pro", "utm_source": "hubspot"}
    assert verified.json()["account"]["has_password"] is False  # issue 23, M2: she chooses it now
    assert browser.post("/api/v1/account/password", {"new_password": PASSWORD}).status_code == 200

    laptop = PortalClient(lane.core)
    logged_in = laptop.post("/api/v1/auth/login", {"email": "lane-ada@example.com", "password": PASSWORD})
    assert logged_in.status_code == 200, logged_in.text
    sessions = laptop.call("GET", "/api/v1/account/sessions").json()["sessions"]
    assert len(sessions) == 2

    old = laptop.cookie
    assert laptop.post("/api/v1/auth/logout").status_code == 204
    laptop.cookie = old
    gone = laptop.call("GET", "/api/v1/account")
    assert (gone.status_code, gone.json()["error"]["code"]) == (401, "unauthenticated")
    assert browser.call("GET", "/api/v1/account").status_code == 200


def test_security_headers_and_cross_origin_refusal_on_the_lane(lane: Lane) -> None:
    reply = PortalClient(lane.core).call("GET", "/api/v1/nope")
    assert "frame-ancestors 'none'" in reply.headers["content-security-policy"]
    assert reply.headers["strict-transport-security"].startswith("max-age=31536000")

    evil = loopback.post(f"{lane.core}/api/v1/auth/logout", headers={"origin": "https://evil.example"}, timeout=60)
    assert (evil.status_code, evil.json()["error"]["code"]) == (403, "cross_origin_refused")


def test_outbox_page_lists_mail_with_clickable_links(lane: Lane) -> None:
    page = loopback.get(f"{lane.core}/dev/outbox", timeout=60)
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert "<a " in page.text


def test_the_local_portal_csp_adds_only_the_local_frame_sources(lane: Lane) -> None:
    from devstack.stack import read_dev_vars

    csp = loopback.get(f"{lane.core}/login", headers={"accept": "text/html"}, timeout=60).headers[
        "content-security-policy"
    ]
    local = read_dev_vars("core")["LOCAL_FRAME_SRC"]
    assert f"frame-src https://*.smartpages.site https://challenges.cloudflare.com {local};" in csp
