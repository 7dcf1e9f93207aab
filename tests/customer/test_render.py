import json
import re
from typing import Any

import pytest

from customer.blocks import LAYOUTS, PALETTES, check_blocks
from customer.model import Page
from customer.render import SiteData, render_site
from customer.theme import contrast, stylesheet, text_on
from shared.errors import HttpError
from tests.customer.html_checks import assert_well_formed_page, outline

HERO_SHA, PHOTO_SHA = "a" * 64, "b" * 64


def page(slug: str, title: str, blocks: list[dict[str, Any]]) -> Page:
    return Page(f"p_{slug or 'home'}", slug, title, "", check_blocks(blocks))


def site(*pages: Page, seo: dict[str, Any] | None = None, theme: dict[str, Any] | None = None) -> SiteData:
    return SiteData(
        id="s_" + "1" * 32,
        name="Mill Lane Bakery",
        theme=theme or {"palette": "ocean"},
        seo=seo or {},
        pages=list(pages),
        origin="https://www.example.com",
        form_action="https://portal.example/api/v1/forms/s_1",
        assets={HERO_SHA: "image/jpeg", PHOTO_SHA: "image/png"},
    )


HOURS = {
    "type": "hours_location",
    "heading": "Visit",
    "hours": [{"day": "mon", "opens": "07:00", "closes": "18:00"}, {"day": "sun", "closed": True}],
    "address": "Mill Lane 4\n8001 Zurich </script><script>alert(1)</script>",
    "phone": "+41 44 000 00 00",
}
# Blocks with and without headings, Markdown with ## and ####: every combination that used to skip.
MIXED = [
    {"type": "features", "items": [{"title": "Sourdough"}]},
    {"type": "rich_text", "markdown": "## Our story\n\n#### Detail\n\ntext"},
    {"type": "pricing", "plans": [{"name": "Weekly", "price": "€6"}]},
    {"type": "gallery", "heading": "Photos", "images": [{"asset": PHOTO_SHA, "alt": "Bread"}]},
    {"type": "testimonials", "items": [{"quote": "Lovely", "author": "Anna"}]},
    HOURS,
    {"type": "footer", "text": "©"},
]


def pages_of(rendered: Any) -> dict[str, bytes]:
    files = {p: f.body for p, f in rendered.files.items() if f.content_type.startswith("text/html")}
    files["404"] = rendered.not_found.body
    return files


@pytest.mark.parametrize(
    "blocks",
    [
        [{"type": "hero", "heading": "Fresh bread", "image": HERO_SHA, "image_alt": "Loaves"}, *MIXED],
        MIXED,  # no hero: the page title is the h1
        [{"type": "cta", "heading": "Hi", "label": "Go", "href": "/"}, {"type": "hero", "heading": "Late hero"}],
        [{"type": "hero", "heading": "One"}, {"type": "hero", "heading": "Two", "layout": "split"}],
        [],
    ],
)
def test_every_page_has_exactly_one_h1_and_headings_never_skip(blocks: list[dict[str, Any]]) -> None:
    rendered = render_site(site(page("", "Home", blocks), page("about", "About us", blocks)))
    for path, html in pages_of(rendered).items():
        checked = assert_well_formed_page(html)
        assert checked.html_lang == "en", path


def test_the_leading_hero_heading_is_the_h1_else_the_page_title() -> None:
    rendered = render_site(
        site(page("", "Home", [{"type": "hero", "heading": "Fresh bread"}]), page("menu", "Menu", MIXED))
    )
    assert b"<h1>Fresh bread</h1>" in rendered.files["/"].body
    assert b"<h1>Menu</h1>" in rendered.files["/menu/"].body


def test_head_has_icon_social_card_canonical_and_lang() -> None:
    hero = {"type": "hero", "heading": "Fresh", "image": HERO_SHA, "image_alt": "Loaves"}
    rendered = render_site(site(page("", "Home", [hero]), page("about", "About", []), seo={"language": "de-CH"}))
    home = outline(rendered.files["/"].body)
    assert home.html_lang == "de-CH"
    icon = next(link for link in home.links if link.get("rel") == "icon")
    assert icon["type"] == "image/svg+xml"
    assert icon["href"] in rendered.files  # served: no 404 for the icon
    assert rendered.files[str(icon["href"])].body.startswith(b"<svg")
    canonical = next(link for link in home.links if link.get("rel") == "canonical")
    assert canonical["href"] == "https://www.example.com/"
    meta = {m.get("property") or m.get("name"): m.get("content") for m in home.metas}
    assert meta["og:image"] == f"https://www.example.com/assets/{HERO_SHA}.jpg"  # the hero, absent a social image
    assert meta["twitter:card"] == "summary_large_image"
    about_page = outline(rendered.files["/about/"].body)
    about = {m.get("property") or m.get("name"): m.get("content") for m in about_page.metas}
    assert "og:image" not in about
    assert about["twitter:card"] == "summary"

    chosen = render_site(site(page("", "Home", [hero]), seo={"social_image": PHOTO_SHA, "favicon": PHOTO_SHA}))
    html = chosen.files["/"].body.decode()
    assert f'<meta property="og:image" content="https://www.example.com/assets/{PHOTO_SHA}.png">' in html
    assert f'<link rel="icon" href="/assets/{PHOTO_SHA}.png" type="image/png">' in html
    assert not any(p.endswith(".svg") for p in chosen.files)


def json_ld(html: bytes) -> dict[str, Any]:
    match = re.search(rb'<script type="application/ld\+json">(.*?)</script>', html)
    assert match is not None
    return json.loads(match.group(1))  # type: ignore[no-any-return]


def test_local_business_structured_data_from_the_hours_block() -> None:
    rendered = render_site(site(page("", "Home", [{"type": "hero", "heading": "Hi"}]), page("visit", "Visit", [HOURS])))
    for path in ("/", "/visit/"):
        html = rendered.files[path].body
        assert html.count(b"<script") == 1  # the data block only; the </script> in the address stayed text
        data = json_ld(html)
        assert data["@type"] == "LocalBusiness"
        assert data["name"] == "Mill Lane Bakery"
        assert data["url"] == "https://www.example.com/"
        assert data["telephone"] == "+41 44 000 00 00"
        assert data["address"]["streetAddress"].startswith("Mill Lane 4, 8001 Zurich </script>")
        assert data["openingHoursSpecification"] == [
            {"@type": "OpeningHoursSpecification", "dayOfWeek": "Monday", "opens": "07:00", "closes": "18:00"}
        ]
    lone = render_site(site(page("", "Home", []), page("about", "About", [])))
    assert b"ld+json" not in lone.files["/"].body
    assert b"ld+json" not in lone.files["/about/"].body


def test_layout_variants_validate_default_and_render() -> None:
    for block, options in LAYOUTS.items():
        assert len(options) >= 2
        fields = {
            "hero": {"heading": "Hi"},
            "rich_text": {"markdown": "Hello"},
            "image": {"asset": PHOTO_SHA},
            "gallery": {"images": [{"asset": PHOTO_SHA}]},
            "features": {"items": [{"title": "T"}]},
            "pricing": {"plans": [{"name": "A", "price": "€1"}]},
            "testimonials": {"items": [{"quote": "Q", "author": "A"}]},
            "cta": {"heading": "Go", "label": "Go", "href": "/"},
        }[block]
        assert check_blocks([{"type": block, **fields}])[0]["layout"] == options[0]
        with pytest.raises(HttpError) as raised:
            check_blocks([{"type": block, **fields, "layout": "zigzag"}])
        assert raised.value.details == {
            "field": "blocks[0].layout",
            "reason": "not_an_option",
            "options": list(options),
        }
        shown = set()
        for option in options:
            html = render_site(site(page("", "Home", [{"type": block, **fields, "layout": option}]))).files["/"].body
            main = html[html.index(b"<main") : html.index(b"</main>")]
            shown.add(main)
            if block in ("hero", "gallery", "features"):
                assert f"{block}-{option}".encode() in html
        assert len(shown) == len(options), block  # each layout is its own markup (and so its own look)
    # A block saved before variants existed renders with the default.
    old = Page("p_home", "", "Home", "", [{"type": "hero", "heading": "Hi", "subheading": "", "image": "",
                                               "image_alt": "", "cta_label": "", "cta_href": ""}])  # fmt: skip
    assert b"hero-overlay" in render_site(site(old)).files["/"].body


def test_hero_image_sits_behind_the_text() -> None:
    hero = {"type": "hero", "heading": "Fresh", "image": HERO_SHA, "image_alt": "Loaves"}
    html = render_site(site(page("", "Home", [hero]))).files["/"].body.decode()
    section = html[html.index('<section class="hero') : html.index("</section>")]
    assert "has-image" in section
    assert section.index("<img") < section.index("<h1>")  # painted first, the text on top of it


@pytest.mark.parametrize("theme", [{"palette": p} for p in PALETTES] + [{"primary": "#ffe066"}, {"primary": "#111111"}])
def test_text_on_coloured_surfaces_is_readable_in_every_theme(theme: dict[str, Any]) -> None:
    css = stylesheet(theme)
    primary = re.search(r"--primary:(#[0-9a-f]{6})", css).group(1)  # type: ignore[union-attr]
    on_primary = re.search(r"--on-primary:(#[0-9a-f]{6})", css).group(1)  # type: ignore[union-attr]
    assert on_primary == text_on(primary)
    assert contrast(primary, on_primary) >= 4.5
    # The hero's scrim: white text over even a white photo under 55 % black.
    assert contrast("#ffffff", "#737373") >= 4.5
    assert "rgba(0,0,0,.55)" in css
