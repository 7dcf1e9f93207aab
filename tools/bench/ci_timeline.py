"""A pytest plugin for `tools.bench.ci`: each test's start and end, one JSON line per test, in
`$CI_TIMELINE_DIR/<process>.jsonl` (`gw0`, `gw1`, ... under xdist; `main` without it).

The bench copies this file beside the clone it runs and loads it with `-p ci_timeline`, so it also
times a revision older than the bench itself."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from typing import IO

import pytest

_out: list[IO[str]] = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    if not _out:
        folder = os.environ["CI_TIMELINE_DIR"]
        name = os.environ.get("PYTEST_XDIST_WORKER", "main")
        _out.append(open(os.path.join(folder, f"{name}.jsonl"), "a"))  # noqa: SIM115 (open for the session)
    started = time.time()
    yield
    _out[0].write(json.dumps([item.nodeid, started, time.time()]) + "\n")
    _out[0].flush()
