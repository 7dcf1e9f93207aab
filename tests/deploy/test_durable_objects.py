"""What a deploy needs for Durable Objects, shown with the test-only probe bundle (never the product
workers): `wrangler deploy --dry-run` (offline) takes a Python bundle with a Durable Object binding
and its `[[migrations]]` (which `wrangler deploy` applies itself), an environment must repeat the
binding (wrangler does not inherit it), and `tools/deploy.py` names both gaps before deploying."""

from __future__ import annotations

import os
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.deploy.test_deploy import account, standin
from tests.lane.harness import stage_probe
from tools import deploy

ROOT = Path(__file__).resolve().parents[2]
WRANGLER = ROOT / "tools" / "wrangler"

pytestmark = pytest.mark.deploy

ENV_WITHOUT_BINDING = '\n[env.staging]\nname = "smartpages-lane-probe-staging"\n'
ENV_WITH_BINDING = (
    ENV_WITHOUT_BINDING + '\n[[env.staging.durable_objects.bindings]]\nname = "COUNTER"\nclass_name = "Counter"\n'
)


def dry_run(bundle: Path, out: Path, *extra: str) -> str:
    proc = subprocess.run(
        [str(WRANGLER), "deploy", "--dry-run", "--outdir", str(out), *extra],
        cwd=bundle,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr


def test_wrangler_takes_a_python_bundle_with_a_durable_object_and_its_migration(tmp_path: Path) -> None:
    probe = stage_probe(tmp_path / "build")
    config = tomllib.loads((probe / "wrangler.toml").read_text())
    assert config["migrations"] == [{"tag": "v1", "new_sqlite_classes": ["Counter"]}]
    output = dry_run(probe, tmp_path / "out")
    assert any("env.COUNTER (Counter)" in line and "Durable Object" in line for line in output.splitlines())


def test_an_environment_must_repeat_the_binding_and_deploy_says_so(tmp_path: Path) -> None:
    probe = stage_probe(tmp_path / "build")
    toml = probe / "wrangler.toml"
    base = toml.read_text()

    toml.write_text(base + ENV_WITHOUT_BINDING)
    output = dry_run(probe, tmp_path / "without", "--env", "staging")
    assert '"durable_objects" is not inherited by environments' in output
    assert "No bindings found" in output  # the upload would go without the object
    assert deploy.durable_object_gaps(tomllib.loads(toml.read_text()), "staging") == [
        "[env.staging] lacks the Durable Object binding COUNTER (add [[env.staging.durable_objects.bindings]])"
    ]

    toml.write_text(base + ENV_WITH_BINDING)
    output = dry_run(probe, tmp_path / "with", "--env", "staging")
    assert any("env.COUNTER (Counter)" in line for line in output.splitlines())
    assert deploy.durable_object_gaps(tomllib.loads(toml.read_text()), "staging") == []


def test_a_binding_to_a_class_no_migration_creates_is_named_before_deploy(tmp_path: Path) -> None:
    probe = stage_probe(tmp_path / "build")
    text = (probe / "wrangler.toml").read_text().replace('new_sqlite_classes = ["Counter"]', "new_sqlite_classes = []")
    # wrangler's dry run does not check this; Cloudflare refuses the upload (10061).
    (probe / "wrangler.toml").write_text(text + ENV_WITH_BINDING)
    dry_run(probe, tmp_path / "out", "--env", "staging")
    gaps = deploy.durable_object_gaps(tomllib.loads(text + ENV_WITH_BINDING), "staging")
    assert gaps == ["COUNTER binds class Counter, which no [[migrations]] entry creates (Cloudflare: 10061)"]


def test_the_product_workers_have_no_durable_object_gap() -> None:
    for short in deploy.ORDER:
        config = tomllib.loads((ROOT / "workers" / short / "wrangler.toml").read_text())
        for env in ("staging", "production"):
            assert deploy.durable_object_gaps(config, env) == [], short


def test_wrangler_deploy_sends_the_migrations_and_later_only_the_new_ones(tmp_path: Path) -> None:
    """A real `wrangler deploy` of the probe against the API stand-in: the first upload carries
    migration v1, the stand-in records the tag, and a v2 (a renamed class) goes with the next."""
    probe = stage_probe(tmp_path / "build")
    toml = probe / "wrangler.toml"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDFLARE_")}
    with standin(tmp_path / "account", {}) as login:

        def wrangler_deploy() -> str:
            proc = subprocess.run(
                [str(WRANGLER), "deploy"],
                cwd=probe,
                env={**env, **login},
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            assert proc.returncode == 0, proc.stdout + proc.stderr
            return proc.stdout

        wrangler_deploy()
        worker = account(tmp_path / "account").data["workers"]["smartpages-lane-probe"]
        assert (worker["migration_tag"], worker["durable_object_classes"]) == ("v1", ["Counter"])

        renamed = '[[migrations]]\ntag = "v2"\nrenamed_classes = [{ from = "Counter", to = "Tally" }]\n'
        toml.write_text(toml.read_text().replace('class_name = "Counter"', 'class_name = "Tally"') + renamed)
        entry = probe / "src" / "entry.py"  # the renamed class is exported, as Cloudflare requires
        entry.write_text(entry.read_text() + "\n\nclass Tally(Counter):\n    pass\n")
        wrangler_deploy()
        worker = account(tmp_path / "account").data["workers"]["smartpages-lane-probe"]
        assert (worker["migration_tag"], worker["durable_object_classes"]) == ("v2", ["Tally"])
        steps = worker["versions"][-1]["metadata"]["migrations"]
        assert steps == {
            "old_tag": "v1",
            "new_tag": "v2",
            "steps": [{"renamed_classes": [{"from": "Counter", "to": "Tally"}]}],
        }
