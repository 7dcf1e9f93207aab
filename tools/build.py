"""Stages each worker's deploy bundle: its own files, the shared package and the vendored Python
Workers SDK, nothing else.

    build/<worker>/wrangler.toml
    build/<worker>/src/entry.py, src/<worker>/..., src/shared/...
    build/<worker>/python_modules/ the pinned `workers-runtime-sdk` wheel, laid out as pywrangler does
    build/<worker>/migrations/ (D1 owners), build/<worker>/public/ (core's static assets)

Wrangler uploads every .py under the main module's folder and does not follow symlinked folders,
so the bundle is a real copy. From compatibility date 2026-04-21 (`enable_python_external_sdk`)
the runtime no longer ships the `workers` package: wrangler uploads `python_modules/` beside
`wrangler.toml` as the worker's vendored packages, and that is the only place it can come from.
Run `python3 -m tools.build` (the test and dev commands do)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKERS = ("core", "customer", "billing", "mailer", "domain")
BUILD = ROOT / "build"
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".dev.vars", ".dev.vars.example")
VENDOR = "python_modules"  # the folder wrangler uploads as vendored packages


@cache
def sdk_wheel() -> Path:
    """The pinned `workers-runtime-sdk` wheel, fetched and hash-checked by tools/fetch-sdk.sh."""
    out = subprocess.run(
        ["bash", str(ROOT / "tools" / "fetch-sdk.sh")], check=True, capture_output=True, text=True
    ).stdout
    return Path(out.strip().splitlines()[-1])


def vendor_sdk(target: Path) -> None:
    """Unpacks the SDK wheel into `python_modules/` the way pywrangler's `uv pip install` does
    (package files and dist-info side by side, plus an empty `pyvenv.cfg` marking the folder)."""
    vendor = target / VENDOR
    vendor.mkdir()
    with zipfile.ZipFile(sdk_wheel()) as wheel:
        wheel.extractall(vendor)
    (vendor / "pyvenv.cfg").touch()


def stage(worker: str, out: Path = BUILD) -> Path:
    source = ROOT / "workers" / worker
    target = out / worker
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    shutil.copy2(source / "wrangler.toml", target / "wrangler.toml")
    shutil.copytree(source / "src", target / "src", ignore=_SKIP)
    shutil.copytree(ROOT / "shared", target / "src" / "shared", ignore=_SKIP)
    vendor_sdk(target)
    for extra in ("migrations", "public"):
        if (source / extra).is_dir():
            shutil.copytree(source / extra, target / extra, ignore=_SKIP)
    return target


def main(argv: list[str]) -> int:
    workers = argv or list(WORKERS)
    for worker in workers:
        if worker not in WORKERS:
            print(f"unknown worker {worker!r}; choose from {', '.join(WORKERS)}", file=sys.stderr)
            return 2
        print(f"staged {stage(worker).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
