"""The composition roots: each worker's `settings_from` is the only reader of its environment, used
alike by entry.py and this stack (issue 17: one name read six ways, a var declared and never read)."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from devstack import ROOT
from devstack.hubspot_standin import HubSpotStandin
from devstack.stack import WORKERS, Stack, worker_vars
from shared.settings import SettingsError


class Reading(Mapping[str, str]):
    """An environment that notes every name read from it."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.read: set[str] = set()

    def __getitem__(self, name: str) -> str:
        self.read.add(name)
        return self.values[name]

    def get(self, name: str, default: Any = None) -> Any:
        self.read.add(name)
        return self.values.get(name, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)


def declared(worker: str) -> set[str]:
    """Every var and required secret the worker's wrangler.toml declares, in any environment."""
    config = tomllib.loads((ROOT / "workers" / worker / "wrangler.toml").read_text())
    tables = [config, *config.get("env", {}).values()]
    names = {name for table in tables for name in table.get("vars", {})}
    return names | {name for table in tables for name in table.get("secrets", {}).get("required", [])}


@pytest.mark.parametrize("worker", sorted(WORKERS))
def test_every_declared_var_and_secret_is_read_by_settings_from(worker: str) -> None:
    env = Reading(worker_vars(worker))
    WORKERS[worker].settings_from(env)
    assert declared(worker) - env.read == set()


@pytest.mark.parametrize("worker", sorted(WORKERS))
def test_everything_the_dev_vars_set_is_read(worker: str) -> None:
    env = Reading(worker_vars(worker))
    WORKERS[worker].settings_from(env)
    local_only = {"LOCAL_FRAME_SRC"}  # read by the lane (tools/lane), not by the worker
    assert set(worker_vars(worker)) - env.read - local_only == set()


@pytest.mark.parametrize(
    ("worker", "name"),
    [(w, "INTERNAL_SECRET") for w in ("core", "customer", "billing", "mailer")]
    + [(w, "PORTAL_ORIGIN") for w in ("core", "customer", "billing")]
    + [("customer", "SITES_DOMAIN")],
)
def test_a_missing_required_value_stops_the_worker_naming_it(worker: str, name: str) -> None:
    env = {k: v for k, v in worker_vars(worker).items() if k != name}
    with pytest.raises(SettingsError, match=name):
        WORKERS[worker].settings_from(env)


def test_a_number_that_is_not_one_stops_the_worker() -> None:
    with pytest.raises(SettingsError, match="POINTER_CACHE_SECONDS"):
        WORKERS["domain"].settings_from({"POINTER_CACHE_SECONDS": "thirty"})


def test_the_stack_runs_each_worker_on_its_settings_from(stack: Stack, hubspot: HubSpotStandin) -> None:
    switched_on = {"mailer": {"HUBSPOT_TOKEN": hubspot.token}}  # the test stack syncs to the HubSpot stand-in
    for worker, module in WORKERS.items():
        assert stack.settings[worker] == module.settings_from({**worker_vars(worker), **switched_on.get(worker, {})})
