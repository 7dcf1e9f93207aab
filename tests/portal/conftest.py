"""A real browser for the portal tier: Playwright driving Debian's Chromium headless shell
(tools/chromium.py), against the CPython stack behind uvicorn (`served`, tests/served.py), started once
per test process. test_journey.py walks the whole journey on the runtime lane instead, and
test_static.py holds the two stacks' static answers equal. Screenshots go to test-artifacts/portal/.

Playwright's async API, so the browser shares pytest-asyncio's event loop instead of installing
its own (the sync API would leave the other async tests without a loop)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.async_api import Browser, Page, async_playwright

from tests.served import CPythonStack, cpython_stack
from tools import chromium

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "portal"
T = TypeVar("T")
# tools/chromium.py's flags, and one process model: without site isolation the preview's frame
# (another origin) renders in the portal's process, not in a frame of its own that Playwright follows
# over a second session: with it, on three busy test processes, Playwright's driver crashed on an
# assertion in `frameAttached` as the preview reloaded, failing every later browser test there.
# Same-origin rules are Blink's in both process models.
ARGS = [*chromium.ARGS, "--disable-site-isolation-trials", "--disable-features=site-per-process,IsolateOrigins"]


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CPythonStack]:
    with cpython_stack(tmp_path_factory.mktemp("cpython-stack")) as running:
        yield running


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium.HEADLESS_SHELL, args=ARGS, headless=True)
        yield launched
        await launched.close()


async def watched_page(browser: Browser, **options: Any) -> AsyncIterator[Page]:
    """A page in a new context (`options`: Playwright's context options), failing the test on any
    JavaScript error it shows."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, **options)
    opened = await context.new_page()
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))
    yield opened
    await context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    async for opened in watched_page(browser):
        yield opened


async def shot(page: Page, name: str) -> Path:
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


async def within(seconds: float, call: Awaitable[T], what: str) -> T:
    """Playwright's `evaluate` and `add_script_tag` take no timeout: a promise the page never settles
    (axe on a frame the preview is replacing, say) would wait for ever. Bounded, it fails the test."""
    try:
        return await asyncio.wait_for(call, seconds)
    except TimeoutError:
        raise TimeoutError(f"{what} did not finish in {seconds:.0f} s") from None
