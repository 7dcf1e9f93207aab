"""Debian's Chromium, the browser the tests and tools drive (Playwright cannot download its own here).

HEADLESS_SHELL is what `scripts/setup` installs: the same Blink as the full browser without its UI
layers. The test tiers and the thumbnails use it; on tests/portal/test_editor.py it took 17.8 s of
CPU where the full browser in headless mode took 31 s. FULL is for Lighthouse (its chrome-launcher
starts a whole browser, and the scores in the docs were measured on it): `scripts/setup
--full-browser` installs it, and `full()` says so when it is missing."""

from __future__ import annotations

from pathlib import Path

HEADLESS_SHELL = "/usr/lib/chromium/chromium-headless-shell"
FULL = "/usr/bin/chromium"
# How everything here launches the headless shell: no sandbox (the machines run as root), no GPU,
# and nothing that reaches for the internet on its own (updates, sync, QUIC probes).
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def full() -> str:
    if not Path(FULL).exists():
        raise SystemExit(f"{FULL} is not installed: run `scripts/setup --full-browser` first")
    return FULL
