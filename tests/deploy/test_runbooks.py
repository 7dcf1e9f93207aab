"""docs/operations.md's runbooks work on a deployed environment (issue 29, item 1).

An account with staging and production deployed by `scripts/deploy` against the Cloudflare API
stand-in; then the runbook commands, with the real pinned wrangler pointed at the stand-in:
- as docs/operations.md had them before (names without the environment, no `--env`), one for each
  mistake (OLD_COMMANDS): every one fails, except `secret put`, which "succeeds" by creating a new,
  empty Worker while the deployed mailer keeps its old key;
- every command of every `sh runbook` block as the docs have them now, on staging: each exits 0,
  acts on the deployed resources (the rotated key is on the deployed mailer, core is rolled back,
  the exports hold the schema, the mailer query finds the queued mail) and the account's Workers are
  unchanged (the stand-in refuses and records any upload that would create one);
- on production, the commands that read a worker's config (`-c build/<worker>/wrangler.toml --env`):
  wrangler resolves them through the config's `[env.production]`. The others name a resource
  `smartpages-<x>-$ENV`, and the docs name an environment only through `$ENV` (checked below), so
  on production they run the text that passed on staging against the names production's deploy
  created (test_bundles holds each environment to the same suffixed bindings). Running them there
  too cost 26 more wrangler starts (about 18 s of CPU) for nothing more shown.
`wrangler tail` opens a WebSocket: the stand-in serves one that sends one event and closes
normally, so tail runs here like every other command and exits 0 by itself."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from devstack.cloudflare_account import AccountStandin
from tests.deploy.runbooks import NOT_REHEARSED, OPERATIONS, Command, run, runbook_commands, shell_blocks
from tests.deploy.test_deploy import ROOT, ZONES, account, copy_of, standin
from tools import deploy, rehearse_deploy

pytestmark = pytest.mark.deploy

ENVIRONMENTS = ("staging", "production")
ALL_ZONES = {**ZONES, "smartpages.site": "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a03"}  # production's sites zone
SITE, DIGEST = "site-1", "ab" * 32
OBJECT = b"<!doctype html><title>a published page</title>"
QUEUED_MAIL = "em_stuck_1"
ROTATED_KEY = "re_rotated_key_for_the_runbook"

# docs/operations.md's commands before issue 29, as written there (placeholders filled in): one for
# each kind of resource named without its environment (queue, D1, R2, Worker), and one reading a
# worker's config without `--env`. The docs had 12; the others were the same two mistakes again
# (time travel, export, pause and resume, rollback, migrations), each a wrangler start for nothing
# more shown.
OLD_COMMANDS = (
    "tools/wrangler queues info smartpages-mail",
    "tools/wrangler d1 execute smartpages-mailer --remote --command"
    ' "SELECT status, count(*) FROM emails GROUP BY status"',
    f"tools/wrangler r2 object get smartpages-sites/sites/{SITE}/files/{DIGEST} --file out.bin --remote",
    "tools/wrangler tail smartpages-mailer",
    "tools/wrangler deployments list -c build/mailer/wrangler.toml",
)
OLD_SECRET_PUT = "tools/wrangler secret put RESEND_API_KEY -c build/mailer/wrangler.toml"


def deploy_env(login: dict[str, str], env: str, work: Path, build: Path) -> None:
    secrets = rehearse_deploy.rehearsal_secrets(deploy.load_workers(env))
    base = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDFLARE_")}
    result = subprocess.run(
        [sys.executable, "-m", "tools.deploy", env, "--no-smoke", "--record-dir", str(work / "record"),
         "--secrets-file", str(work / "none.env"), "--build-dir", str(build)],
        cwd=ROOT, env={**base, **login, **secrets}, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Staging and production deployed by scripts/deploy; then, in each environment, a second
    version of every worker live (a previous one to roll back to), a published file in R2 and a
    mail stuck `queued` in mailer's D1. The two deploys run at once (different resources and
    workers), each staging its bundles in its own folder; staging's `build/`, beside the returned
    state, is what the commands' `-c build/<worker>/wrangler.toml` read (the configs hold both
    environments)."""
    work = tmp_path_factory.mktemp("runbooks")
    state = work / "cf"
    (work / "none.env").write_text("")
    builds = {"staging": work / "build", "production": work / "build-production"}
    with standin(state, ALL_ZONES) as login, ThreadPoolExecutor(len(ENVIRONMENTS)) as pool:
        for done in [pool.submit(deploy_env, login, env, work, builds[env]) for env in ENVIRONMENTS]:
            done.result()
    cloud = account(state)
    for name in cloud.worker_names():
        cloud.redeploy(name)
    for env in ENVIRONMENTS:
        cloud.put_object(f"smartpages-sites-{env}", f"sites/{SITE}/files/{DIGEST}", OBJECT)
        [mailer_db] = [db for db in cloud.data["d1"].values() if db["name"] == f"smartpages-mailer-{env}"]
        with sqlite3.connect(cloud.d1_path(mailer_db["uuid"])) as conn:
            conn.execute(
                "INSERT INTO emails (id, idempotency_key, template, recipient, status, created_at, updated_at)"
                " VALUES (?, 'k1', 'verify_email', 'a@example.com', 'queued', 1, 1)",
                (QUEUED_MAIL,),
            )
        conn.close()
    return state


def workdir(tmp_path: Path, deployed: Path) -> Path:
    """A folder to run the commands in (their files land here, not in the repo), where tools/ and
    node_modules/ are the repo's and build/ the bundles the deploys staged."""
    cwd = tmp_path / "ops"
    cwd.mkdir()
    for name in ("tools", "node_modules"):
        (cwd / name).symlink_to(ROOT / name)
    (cwd / "build").symlink_to(deployed.parent / "build")
    return cwd


def wrangler_env(login: dict[str, str]) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDFLARE_")}
    return {**base, **login, "WRANGLER_SEND_METRICS": "false", "NO_COLOR": "1"}


def test_the_old_runbook_commands_fail_and_the_key_fix_creates_a_stray_worker(deployed: Path, tmp_path: Path) -> None:
    """Reproduces issue 29 item 1 on staging: the commands as written before fail, and `secret put`
    exits 0 having created an empty `smartpages-mailer` beside the deployed mailer."""
    state = copy_of(deployed, tmp_path)
    cwd = workdir(tmp_path, deployed)
    before = account(state).worker_names()
    mailer = "smartpages-mailer-staging"
    old_key = account(state).uploaded(mailer)["secrets"]["RESEND_API_KEY"]
    with standin(state, ALL_ZONES) as login:  # as Cloudflare answers: an upload may create a Worker
        values = wrangler_env(login)
        results = {line: run(Command("old", (), line), "staging", {}, cwd, values) for line in OLD_COMMANDS}
        put = run(Command("old", (), OLD_SECRET_PUT), "staging", {}, cwd, values, stdin=ROTATED_KEY + "\n")
    succeeded = [line for line, result in results.items() if result.returncode == 0]
    assert succeeded == []
    assert put.returncode == 0, put.stdout + put.stderr
    assert 'Creating new Worker "smartpages-mailer"' in put.stdout
    cloud = account(state)
    assert sorted(set(cloud.worker_names()) - set(before)) == ["smartpages-mailer"]  # the stray worker
    assert cloud.uploaded("smartpages-mailer")["secrets"] == {"RESEND_API_KEY": ROTATED_KEY}
    assert cloud.uploaded(mailer)["secrets"]["RESEND_API_KEY"] == old_key  # the real mailer keeps failing

    # The rehearsal's guard: with the account's Workers frozen the same command fails, and says why.
    frozen = copy_of(deployed, tmp_path / "frozen")
    with standin(frozen, ALL_ZONES, refuse_new_workers=True) as login:
        refused = run(Command("old", (), OLD_SECRET_PUT), "staging", {}, cwd, wrangler_env(login), stdin="x\n")
    assert refused.returncode != 0
    assert 'would create a new Worker "smartpages-mailer"' in refused.stdout + refused.stderr
    assert account(frozen).refused == ["smartpages-mailer"]
    assert account(frozen).worker_names() == before


def test_every_sh_block_in_operations_is_a_runbook_or_says_why_it_is_not_rehearsed() -> None:
    """So a command cannot be added to the docs outside what the runbook test runs."""
    blocks = [(heading, info, body) for heading, info, body in shell_blocks(OPERATIONS.read_text())]
    shells = [b for b in blocks if b[1].split()[:1] == ["sh"]]
    assert shells
    for heading, info, body in shells:
        assert info == "sh runbook" or body.startswith(NOT_REHEARSED), f"{heading}: an unmarked sh block:\n{body}"
    commands = runbook_commands()
    assert len(commands) >= 20
    for command in commands:
        assert "ENV=" in " ".join(command.settings), f"{command.heading}: no ENV= line before {command.line}"
        # One text for both environments: an environment is named only through $ENV.
        named = [s for s in command.settings if not s.startswith("ENV=")] + [command.line]
        assert not re.search(r"staging|production", " ".join(named)), f"{command.heading}: {command.line}"
    assert [c for c in commands if c.reads_config], "no runbook command reads a worker's config"


def test_no_wrangler_command_in_the_docs_misses_its_environment() -> None:
    """The runbooks above are run; a `tools/wrangler` command elsewhere in the docs is not, so it is
    held here to the two rules that run showed: a worker's config is read with `--env`, and a
    deployed resource is named with its environment (docs/mail.md once put the Resend key with
    neither: a stray empty Worker, and the mailer kept the old key)."""
    # a whole name (`smartpages-mail-$ENV` stops at the `-` before `$`: no whole name) without its env
    bare = re.compile(r"smartpages-[a-z0-9-]*[a-z0-9](?![a-z0-9-])(?<!-staging)(?<!-production)")
    wrong = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for number, line in enumerate(doc.read_text().splitlines(), 1):
            command = line[line.find("tools/wrangler ") :] if "tools/wrangler " in line else ""
            if not command:
                continue
            reads_config = re.search(r"(-c|--config) \S*build/", command)
            if (reads_config and "--env" not in command) or bare.search(command):
                wrong.append(f"{doc.relative_to(ROOT)}:{number}: {line.strip()}")
    assert wrong == []


def run_runbooks(
    deployed: Path, tmp_path: Path, env: str, commands: list[Command]
) -> tuple[AccountStandin, Path, dict[str, str]]:
    """`commands` in order on a copy of the deployed account, as an operator runs them on `env`:
    each must exit 0, create no Worker and act on `env`'s Workers. Returns the account after them,
    the folder they ran in and each command's output."""
    state = copy_of(deployed, tmp_path)
    cwd = workdir(tmp_path, deployed)
    before = account(state)
    workers = before.worker_names()
    core = f"smartpages-core-{env}"
    core_versions = [v["id"] for v in before.data["workers"][core]["versions"]]
    assert before.data["workers"][core]["deployed"] == core_versions[-1]
    placeholders = {"site": SITE, "sha256": DIGEST}
    failed, out = [], {}
    with standin(state, ALL_ZONES, refuse_new_workers=True) as login:
        values = wrangler_env(login)
        for command in commands:
            result = run(command, env, placeholders, cwd, values, stdin=ROTATED_KEY + "\n")
            out[command.line] = result.stdout
            if result.returncode != 0:
                failed.append(f"[{command.heading}] {command.line}\n{result.stdout[-800:]}{result.stderr[-1500:]}")
    assert failed == [], "\n\n".join(failed)
    cloud = account(state)
    assert cloud.refused == []
    assert cloud.worker_names() == workers  # no stray worker
    # They acted on the deployed environment's Workers:
    assert cloud.uploaded(f"smartpages-mailer-{env}")["secrets"]["RESEND_API_KEY"] == ROTATED_KEY
    assert cloud.data["workers"][core]["deployed"] == core_versions[-2]  # rolled back to the previous
    assert all(not w.get("tails") for w in cloud.data["workers"].values())  # every tail session closed
    return cloud, cwd, out


def test_every_runbook_command_succeeds_on_staging_and_creates_no_worker(deployed: Path, tmp_path: Path) -> None:
    env = "staging"
    cloud, cwd, out = run_runbooks(deployed, tmp_path, env, runbook_commands())
    # …and on its queues, databases and bucket:
    queue = next(q for q in cloud.data["queues"].values() if q["queue_name"] == f"smartpages-mail-{env}")
    assert queue["settings"] == {"delivery_paused": False}  # paused, then resumed
    assert sum(c.endswith(f"/queues/{queue['queue_id']}") for c in cloud.calls if c.startswith("PATCH")) == 2
    assert any(QUEUED_MAIL in text for line, text in out.items() if "status = 'queued'" in line)
    assert any("Queue stand-in-queue" in text for line, text in out.items() if " tail " in line)
    exports = sorted(p.name for p in (cwd / "backup").iterdir())
    assert [name.split(f"-{env}-")[1] for name in exports] == ["billing.sql", "core.sql", "customer.sql", "mailer.sql"]
    assert "CREATE TABLE emails" in next((cwd / "backup").glob(f"*-{env}-mailer.sql")).read_text()
    assert (cwd / "out.bin").read_bytes() == OBJECT
    assert not any(db["name"].endswith("-restore") for db in cloud.data["d1"].values())  # deleted when done


def test_the_commands_that_read_a_config_succeed_on_production(deployed: Path, tmp_path: Path) -> None:
    commands = [c for c in runbook_commands() if c.reads_config]
    _, _, out = run_runbooks(deployed, tmp_path, "production", commands)
    assert any("Queue stand-in-queue" in text for line, text in out.items() if " tail " in line)
