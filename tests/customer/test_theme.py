"""The stylesheet as Chromium lays it out: every block of a page gets the same space above and
below (vertical rhythm), and a pricing plan is one card (its feature list inside is not more cards)."""

from __future__ import annotations

from playwright.async_api import Browser as Chromium

from customer.blocks import check_blocks
from customer.model import Page
from customer.render import SiteData, render_site
from tests.customer.conftest import open_site

BLOCKS = [
    {"type": "rich_text", "markdown": "## Our story\n\nBread since 1987."},
    {"type": "features", "heading": "Why", "items": [{"title": "Sourdough", "text": "Daily."}]},
    {"type": "image", "asset": "a" * 64, "alt": "The shop", "caption": "Mill Lane"},
    {"type": "pricing", "heading": "Plans", "plans": [{"name": "Weekly", "price": "€6", "features": ["One loaf"]}]},
    {"type": "testimonials", "heading": "Said", "items": [{"quote": "Lovely", "author": "Anna"}]},
    {"type": "cta", "heading": "Hungry?", "label": "Order", "href": "#order"},
    {"type": "hours_location", "heading": "Visit", "address": "Mill Lane 4"},
]


def _site() -> SiteData:
    return SiteData(
        id="s_" + "1" * 32, name="Bakery", theme={"palette": "forest"}, seo={},
        pages=[Page("p_h", "", "Home", "", check_blocks(BLOCKS))], origin="https://www.example.com",
        form_action="https://portal.example/api/v1/forms/s_1", assets={"a" * 64: "image/jpeg"},
    )  # fmt: skip


_SECTIONS = """() => [...document.querySelectorAll('main > :not(.page-title)')].map((s) => {
  const css = getComputedStyle(s);
  return { name: s.className, top: parseFloat(css.paddingTop), bottom: parseFloat(css.paddingBottom) };
})"""


async def test_every_block_has_the_same_space_above_and_below(chromium: Chromium) -> None:
    files = {path: f.body for path, f in render_site(_site()).files.items()}
    for width in (360, 1280):
        page = await open_site(chromium, files, width)
        await page.goto("http://site.test/")
        sections = await page.evaluate(_SECTIONS)
        assert len(sections) == len(BLOCKS)
        space = sections[0]["top"]
        assert space >= 40, sections  # --space: clamp(2.75rem, 7vw, 4.5rem)
        assert all(s["top"] == s["bottom"] == space for s in sections), sections
        await page.context.close()


async def test_a_pricing_plan_is_one_card(chromium: Chromium) -> None:
    files = {path: f.body for path, f in render_site(_site()).files.items()}
    page = await open_site(chromium, files, 412)
    await page.goto("http://site.test/")
    borders = await page.evaluate(
        "() => [...document.querySelectorAll('.pricing li')].map((li) => getComputedStyle(li).borderTopWidth)"
    )
    assert borders == ["1px", "0px"]  # the plan, then its feature "One loaf"
    await page.context.close()
