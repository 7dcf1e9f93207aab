"""Stages each worker's deploy bundle: its own files plus the shared package, nothing else.

    build/<worker>/wrangler.toml
    build/<worker>/src/entry.py, src/<worker>/..., src/shared/...
    build/<worker>/migrations/ (D1 owners), build/<worker>/public/ (core's static assets)

Wrangler uploads every .py under the main module's folder and does not follow symlinked folders,
so the bundle is a real copy. Run `python3 -m tools.build` (the test and dev commands do)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKERS = ("core", "customer", "billing", "mailer", "domain")
BUILD = ROOT / "build"
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".dev.vars", ".dev.vars.example")


def stage(worker: str, out: Path = BUILD) -> Path:
    source = ROOT / "workers" / worker
    target = out / worker
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    shutil.copy2(source / "wrangler.toml", target / "wrangler.toml")
    shutil.copytree(source / "src", target / "src", ignore=_SKIP)
    shutil.copytree(ROOT / "shared", target / "src" / "shared", ignore=_SKIP)
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
