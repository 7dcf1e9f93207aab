"""`wrangler deploy --dry-run` for all five staged bundles (offline): exact modules and bindings,
and the three internal workers private."""

from __future__ import annotations

import re
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.dryrun import dry_run
from tools import build

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.deploy

# The contract of each worker: exactly these bindings (name, kind as wrangler prints it).
BINDINGS = {
    "core": {
        ("DB", "D1 Database"),
        ("CUSTOMER", "Worker"),
        ("BILLING", "Worker"),
        ("MAILER", "Worker"),
        ("DOMAIN", "Worker"),
        ("JOBS", "Queue"),  # the scheduled jobs' steps (core/app.py: jobs; account deletions)
        ("ASSETS", "Assets"),
        ("PORTAL_ORIGIN", "Environment Variable"),
    },
    "customer": {
        ("DB", "D1 Database"),
        ("SITES", "R2 Bucket"),
        ("MAILER", "Worker"),
        ("JOBS", "Queue"),  # the scheduled jobs' steps (customer/maintenance.py)
        ("SITE_STORE", "Durable Object"),  # a SQLite store per site (customer/sitestore.py)
        ("SITES_DOMAIN", "Environment Variable"),
        ("PORTAL_ORIGIN", "Environment Variable"),
        ("ANALYTICS_DATASET", "Environment Variable"),  # Insights read domain's dataset
    },
    "billing": {
        ("DB", "D1 Database"),
        ("MAILER", "Worker"),
        ("CUSTOMER", "Worker"),  # the day-14 custom-domain cut-over
        ("JOBS", "Queue"),  # the scheduled jobs' steps (billing/app.py: jobs)
        ("PORTAL_ORIGIN", "Environment Variable"),
        ("STRIPE_PRICES", "Environment Variable"),
    },
    "mailer": {
        ("DB", "D1 Database"),
        ("MAIL_QUEUE", "Queue"),
        ("CRM_QUEUE", "Queue"),  # the HubSpot sync (docs/billing.md)
        ("MAIL_FROM", "Environment Variable"),
    },
    "domain": {
        ("SITES", "R2 Bucket"),
        ("ANALYTICS", "Analytics Engine Dataset"),  # page views (docs/privacy.md)
        ("CUSTOMER", "Worker"),  # lead forms posted to a site's own host (domain/forms.py)
    },
}
INTERNAL = ("customer", "billing", "mailer")
ENVIRONMENTS = ("staging", "production")


def python_files(folder: Path, prefix: str = "") -> set[str]:
    return {prefix + p.relative_to(folder).as_posix() for p in folder.rglob("*.py") if "__pycache__" not in p.parts}


def vendored_sdk() -> set[str]:
    """What pywrangler's python_modules/ holds for the pinned SDK: every file of the wheel plus
    the `pyvenv.cfg` marker, uploaded under `python_modules/`."""
    with zipfile.ZipFile(build.sdk_wheel()) as wheel:
        names = {n for n in wheel.namelist() if not n.endswith("/")}
    return {f"python_modules/{n}" for n in names | {"pyvenv.cfg"}}


@pytest.fixture(scope="module")
def dry_runs(tmp_path_factory: pytest.TempPathFactory, dry_run_cache: Path) -> dict[str, tuple[set[str], str]]:
    out = tmp_path_factory.mktemp("bundles")
    results = {}
    for worker in build.WORKERS:
        done = dry_run(build.stage(worker, out / "build"), dry_run_cache)
        results[worker] = (set(done.modules()), done.stdout)
    return results


@pytest.mark.parametrize("worker", build.WORKERS)
def test_bundle_holds_exactly_its_own_modules_the_shared_package_and_the_sdk(dry_runs, worker: str) -> None:
    modules, stdout = dry_runs[worker]
    expected = python_files(ROOT / "workers" / worker / "src") | python_files(ROOT / "shared", "shared/")
    assert modules == expected | vendored_sdk()
    assert "python_modules/workers/__init__.py" in modules  # the runtime no longer ships it
    assert "Vendored Modules" in stdout
    others = {"tests", "devstack", "tools", *build.WORKERS} - {worker}
    assert not {m.split("/")[0] for m in modules} & others
    assert "entry.py" in modules


@pytest.mark.parametrize("worker", build.WORKERS)
def test_bindings_are_exactly_the_contract(dry_runs, worker: str) -> None:
    _, stdout = dry_runs[worker]
    found = set(re.findall(r"^env\.(\w+)(?: \([^)]*\))?\s+(.+?)\s*$", stdout, re.MULTILINE))
    assert found == BINDINGS[worker]


@pytest.mark.parametrize("worker", build.WORKERS)
def test_python_workers_flag_and_no_secret_in_vars(worker: str) -> None:
    config = tomllib.loads((ROOT / "workers" / worker / "wrangler.toml").read_text())
    assert "python_workers" in config["compatibility_flags"]
    assert config["compatibility_date"] >= "2026-01-01"
    for name, value in config.get("vars", {}).items():
        assert not re.search(r"SECRET|KEY|TOKEN|PASSWORD", name), f"{name} belongs in secrets"
        assert not re.match(r"(sk|rk|whsec|re)_", str(value))
    if worker != "domain":
        assert "INTERNAL_SECRET" in config["secrets"]["required"]


@pytest.mark.parametrize("worker", INTERNAL)
def test_internal_workers_are_private(worker: str) -> None:
    config = tomllib.loads((ROOT / "workers" / worker / "wrangler.toml").read_text())
    assert config["workers_dev"] is False
    assert config["preview_urls"] is False
    assert not config.get("routes")
    assert not config.get("route")
    assert "assets" not in config


def config(worker: str) -> dict[str, Any]:
    return tomllib.loads((ROOT / "workers" / worker / "wrangler.toml").read_text())


def test_only_core_and_domain_have_routes_and_only_in_deployed_environments() -> None:
    for worker in build.WORKERS:
        assert not config(worker).get("routes"), "a bare `wrangler deploy` must not claim production hosts"
        for env in ENVIRONMENTS:
            routed = bool(config(worker)["env"][env].get("routes"))
            assert routed == (worker in ("core", "domain"))


def test_no_placeholder_or_committed_database_ids() -> None:
    for worker in build.WORKERS:
        sections = [config(worker), *config(worker)["env"].values()]
        for database in (d for section in sections for d in section.get("d1_databases", [])):
            assert "database_id" not in database  # wrangler finds it by name; scripts/deploy creates it


@pytest.mark.parametrize("env", ENVIRONMENTS)
@pytest.mark.parametrize("worker", build.WORKERS)
def test_each_environment_repeats_every_binding_with_suffixed_names(worker: str, env: str) -> None:
    """Wrangler does not inherit vars, secrets, D1, R2 or services into an environment: each must
    list them all again, pointing at that environment's resources and workers."""
    top, section = config(worker), config(worker)["env"][env]
    assert section["name"] == f"{top['name']}-{env}"
    assert set(section.get("vars", {})) == set(top.get("vars", {}))
    assert section.get("secrets") == top.get("secrets")
    for key, field in (("d1_databases", "database_name"), ("r2_buckets", "bucket_name"), ("services", "service")):
        assert [b["binding"] for b in section.get(key, [])] == [b["binding"] for b in top.get(key, [])]
        assert [b[field] for b in section.get(key, [])] == [f"{b[field]}-{env}" for b in top.get(key, [])]
    # Analytics Engine datasets are SQL table names (letters, digits, underscores): suffixed with `_env`.
    datasets = top.get("analytics_engine_datasets", [])
    assert [d["binding"] for d in section.get("analytics_engine_datasets", [])] == [d["binding"] for d in datasets]
    assert [d["dataset"] for d in section.get("analytics_engine_datasets", [])] == [
        f"{d['dataset']}_{env}" for d in datasets
    ]
    for kind in ("producers", "consumers"):
        queues = [q["queue"] for q in top.get("queues", {}).get(kind, [])]
        assert [q["queue"] for q in section.get("queues", {}).get(kind, [])] == [f"{q}-{env}" for q in queues]


@pytest.fixture(scope="module")
def env_dry_runs(tmp_path_factory: pytest.TempPathFactory, dry_run_cache: Path) -> dict[tuple[str, str], str]:
    out = tmp_path_factory.mktemp("env-bundles")
    results = {}
    for worker in build.WORKERS:
        staged = build.stage(worker, out / "build")
        for env in ENVIRONMENTS:
            results[(worker, env)] = dry_run(staged, dry_run_cache, "--env", env).stdout
    return results


@pytest.mark.parametrize("env", ENVIRONMENTS)
@pytest.mark.parametrize("worker", build.WORKERS)
def test_wrangler_reads_each_environment_with_the_same_binding_contract(env_dry_runs, worker: str, env: str) -> None:
    stdout = env_dry_runs[(worker, env)]
    found = set(re.findall(r"^env\.(\w+)(?: \([^)]*\))?\s+(.+?)\s*$", stdout, re.MULTILINE))
    assert found == BINDINGS[worker]
    for resource in re.findall(r"^env\.\w+ \((smartpages-[a-z]+[^)]*)\)", stdout, re.MULTILINE):
        assert resource.endswith(f"-{env}")


def test_each_d1_owner_has_migrations_in_wranglers_format() -> None:
    for worker in ("core", "customer", "billing", "mailer"):
        config = tomllib.loads((ROOT / "workers" / worker / "wrangler.toml").read_text())
        (database,) = config["d1_databases"]
        files = sorted((ROOT / "workers" / worker / database["migrations_dir"]).glob("*.sql"))
        assert files
        assert all(re.match(r"^\d{4}_[a-z0-9_]+\.sql$", f.name) for f in files)
