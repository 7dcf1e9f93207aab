"""The browser the test tiers drive: Debian's Chromium headless shell (scripts/setup installs it;
Playwright cannot download its own browser here). The same Blink as /usr/bin/chromium without the
browser's UI layers: measured on tests/portal/test_editor.py it took 17.8 s of CPU where the full
browser in headless mode took 31 s (wall 69 s against 78 s). tools/bench/lighthouse.py keeps the full
browser, as Lighthouse's users run it."""

from __future__ import annotations

CHROMIUM = "/usr/lib/chromium/chromium-headless-shell"
