"""The runtime lane for tests: the five staged bundles (plus a test-only probe worker) on real
Pyodide, the real Workers SDK and Miniflare's bindings. tests/conftest.py starts it once per
session for the lane and portal tiers."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tools import build

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 300  # a cold machine builds the Pyodide snapshot first


@dataclass(frozen=True)
class Lane:
    core: str
    domain: str
    admin: str
    build: Path
    log: list[str]

    def worker(self, name: str, path: str, **kwargs) -> httpx.Response:
        """Calls any worker directly (internal ones too), bypassing core: the test-only admin door."""
        method = kwargs.pop("method", "GET")
        return httpx.request(method, f"{self.admin}/fetch/{name}{path}", timeout=60, **kwargs)


def _stage(out: Path) -> None:
    for worker in build.WORKERS:
        build.stage(worker, out)
    probe = out / "probe"
    shutil.copytree(Path(__file__).parent / "probe", probe)
    shutil.copytree(ROOT / "shared", probe / "src" / "shared", ignore=shutil.ignore_patterns("__pycache__"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running(out: Path) -> Iterator[Lane]:
    _stage(out / "build")
    core_port, domain_port = free_port(), free_port()
    core_origin = f"http://127.0.0.1:{core_port}"
    proc = subprocess.Popen(
        [
            str(ROOT / "tools" / "node"),
            str(ROOT / "tools" / "lane" / "main.mjs"),
            "--build",
            str(out / "build"),
            "--state",
            str(out / "state"),
            "--port-core",
            str(core_port),
            "--port-domain",
            str(domain_port),
            "--admin-port",
            "0",
            # The portal origin core checks unsafe requests against (CSRF) is this lane's own.
            "--var",
            f"core:PORTAL_ORIGIN={core_origin}",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    log: list[str] = []
    reader = threading.Thread(target=lambda: log.extend(proc.stderr), daemon=True)  # type: ignore[arg-type]
    reader.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT
        line = ""
        while not line.startswith("lane ready"):
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                raise RuntimeError("lane exited before it was ready:\n" + "".join(log[-40:]))
            if time.monotonic() > deadline:
                raise RuntimeError("lane did not start in time")
        urls = dict(part.split("=", 1) for part in line.split()[2:])
        yield Lane(urls["core"], urls["domain"], urls["admin"], out / "build", log)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        finally:
            if proc.poll() is None:
                proc.kill()
            reader.join(10)
            proc.stdout.close()
            proc.stderr.close()
