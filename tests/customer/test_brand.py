"""Room for a brand (issue 26.4): a brand colour whose derived palette keeps WCAG AA on every pair
(refused with the nearest passing colour otherwise), self-hosted web fonts, the logo in the header
and as the icon, and a layout choice on the block types where layouts differ."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from customer import blocks, colours, fontfiles
from customer.blocks import FONT_PAIRINGS, PALETTES, WEB_FONTS, check_blocks
from customer.colours import AA, PAIRS, check_brand, contrast, derive, failures, nearest_passing
from customer.model import Page
from customer.render import SiteData, render_site
from customer.theme import palette, stylesheet
from tests.customer.conftest import Owner, published_page
from tests.imagefiles import png
from tools import fonts

HOST = "bakery-rosa.localhost"
colour = st.integers(0, 0xFFFFFF).map(lambda n: f"#{n:06x}")


def _css_colours(css: str) -> dict[str, str]:
    names = {"primary": "primary", "on-primary": "on_primary", "bg": "background", "text": "text", "muted": "muted"}
    found = dict(re.findall(r"--([a-z-]+):(#[0-9a-f]{6})", css))
    return {ours: found[theirs] for theirs, ours in names.items()}


# --- the contrast rule ---------------------------------------------------------------------------
@settings(max_examples=400, deadline=None)
@given(colour)
def test_every_palette_a_page_can_get_passes_aa_on_every_pair(brand: str) -> None:
    # Whatever brand colour is stored (refused ones included: saved before the rule), the
    # stylesheet's colours pass every pair.
    colors = _css_colours(stylesheet({"primary": brand}))
    for fg, bg, words in PAIRS:
        assert contrast(colors[fg], colors[bg]) >= AA, (brand, words, colors)
    assert colors == {k: v for k, v in palette({"primary": brand}).items() if k in colors}


@settings(max_examples=300, deadline=None)
@given(colour)
def test_a_brand_colour_passes_or_is_refused_with_the_nearest_passing_one(brand: str) -> None:
    problem = check_brand(brand)
    suggestion = nearest_passing(brand)
    assert (problem is None) == (not failures(derive(brand)))
    if problem is None:
        assert suggestion == brand
    else:
        words, suggested = problem.message, problem.suggestion
        assert suggested == suggestion
        assert suggested in words
        assert "contrast" in words
        assert "#" not in words.replace(suggested, "")  # plain words, one colour
        assert check_brand(suggested) is None


def test_the_nearest_passing_colour_keeps_the_hue_and_moves_little() -> None:
    assert check_brand("#0b6e99") is None  # a colour that passes is kept as it is
    assert nearest_passing("#ffe066") == "#8a6e00"  # sunny yellow -> the darkest step that reads: a mustard
    assert nearest_passing("#777777") == "#747474"  # just short: one step darker
    red = nearest_passing("#ff0000")
    assert red[3:] == "0000"
    assert check_brand(red) is None


def test_the_preset_palettes_pass_too() -> None:
    for name in PALETTES:
        colors = _css_colours(stylesheet({"palette": name}))
        assert not [p for p in PAIRS if contrast(colors[p[0]], colors[p[1]]) < AA], name


async def test_a_failing_brand_colour_is_refused_by_its_field_with_a_suggestion(owner: Owner) -> None:
    site = await owner.new_site()
    path = f"/api/v1/sites/{site['id']}"
    refused = await owner.write("PATCH", path, {"theme": {"primary": "#FFE066"}})
    assert refused.status == 400
    error = refused.json()["error"]
    assert (error["field"], error["reason"], error["suggestion"]) == ("theme.primary", "low_contrast", "#8a6e00")
    # The figures the portal words itself (lib/words.js), never a pattern over this message.
    assert (error["too"], error["needed"]) == ("light", AA)
    assert error["pair"] in [words for _, _, words in PAIRS]
    assert 1 <= error["contrast"] < AA
    assert "too light" in error["message"]
    assert "#8a6e00" in error["message"]
    assert (await owner.ok("GET", path))["theme"].get("primary", "") == ""  # nothing saved
    saved = await owner.ok("PATCH", path, {"theme": {"primary": "#8A6E00"}})
    assert saved["theme"]["primary"] == "#8a6e00"


# --- fonts ---------------------------------------------------------------------------------------
def test_eight_web_font_pairs_ship_their_files() -> None:
    assert len(WEB_FONTS) >= 8
    assert set(WEB_FONTS) <= set(FONT_PAIRINGS)
    for pair, faces in WEB_FONTS.items():
        assert all(f.file in fontfiles.NAMES for f in faces), pair
        headings, body = FONT_PAIRINGS[pair]
        assert faces[0].family in headings
        assert faces[-1].family in body
    for name in fontfiles.NAMES:
        assert fontfiles.font_bytes(name)[:4] == b"wOF2"  # WOFF2, not a stray TTF or CSS
        assert (fonts.FONTS / f"{name.rsplit('-', 1)[0]}.LICENSE.txt").is_file()  # its licence beside it


def test_the_font_module_is_the_font_files() -> None:
    assert fonts.MODULE.read_text() == fonts.module_text(), "run: .venv/bin/python -m tools.fonts"


def _site(theme: dict[str, Any], seo: dict[str, Any] | None = None) -> SiteData:
    hero = {"type": "hero", "heading": "Fresh bread", "subheading": "Every morning"}
    return SiteData(
        id="s_" + "1" * 32, name="Mill Lane Bakery", theme=theme, seo=seo or {},
        pages=[Page("p_home", "", "Home", "", check_blocks([hero]))], origin="https://www.example.com",
        form_action="https://portal.example/api/v1/forms/s_1", assets={"c" * 64: "image/png"},
    )  # fmt: skip


def test_a_web_font_pair_is_self_hosted_swapped_and_only_its_first_screen_preloaded() -> None:
    rendered = render_site(_site({"palette": "ocean", "fonts": "bistro"}))
    html = rendered.files["/"].body.decode()
    fonts_out = {p: f for p, f in rendered.files.items() if p.endswith(".woff2")}
    assert len(fonts_out) == len(WEB_FONTS["bistro"]) == 3
    assert all(p.startswith("/assets/font-") and f.content_type == "font/woff2" for p, f in fonts_out.items())
    faces = re.findall(r"@font-face\{[^}]*\}", html)
    assert len(faces) == 3
    assert all("font-display:swap" in f for f in faces)
    assert all("unicode-range:U+0000-00FF" in f for f in faces)
    assert all(re.search(r"url\(/assets/font-[a-z0-9-]+\.woff2\)", f) for f in faces)  # our origin, no CDN
    preloads = re.findall(r'<link rel="preload" href="([^"]+)" as="font" type="font/woff2" crossorigin>', html)
    assert preloads == [p for p in sorted(fonts_out, key=list(fonts_out).index)][:2]
    assert "playfair-display-700" in preloads[0]  # headings, then body text
    assert "lato-400" in preloads[1]
    assert "http" not in "".join(faces)
    system = render_site(_site({"palette": "ocean", "fonts": "modern"}))
    assert not [p for p in system.files if p.endswith(".woff2")]
    assert b'as="font"' not in system.files["/"].body


# --- logo ----------------------------------------------------------------------------------------
def test_the_logo_is_in_the_header_and_is_the_icon_when_no_favicon_is_chosen() -> None:
    logo = "c" * 64
    rendered = render_site(_site({"palette": "ocean", "logo": logo}))
    html = rendered.files["/"].body.decode()
    header = html[html.index("<header") : html.index("</header>")]
    assert f'<img src="/assets/{logo}.png" alt="Mill Lane Bakery">' in header
    assert f'<link rel="icon" href="/assets/{logo}.png" type="image/png">' in html
    assert not [p for p in rendered.files if p.endswith(".svg")]  # no drawn icon needed
    plain = render_site(_site({"palette": "ocean"})).files["/"].body.decode()
    assert ">Mill Lane Bakery</a>" in plain
    assert 'type="image/svg+xml"' in plain


async def test_a_logo_must_be_an_upload_of_the_site_and_is_published(owner: Owner, stack: Any) -> None:
    site = await owner.new_site()
    path = f"/api/v1/sites/{site['id']}"
    refused = await owner.write("PATCH", path, {"theme": {"logo": "d" * 64}})
    assert refused.status == 400
    assert refused.json()["error"]["field"] == "theme.logo"
    logo = (await owner.upload(site["id"], png(3, width=240, height=80))).json()["sha256"]
    await owner.ok("PATCH", path, {"theme": {"logo": logo, "primary": "#2f6b3a", "fonts": "clean"}})
    await owner.ok("POST", f"{path}/publish", {}, 201)
    in_use = await owner.write("DELETE", f"{path}/assets/{logo}")
    assert in_use.status == 409  # the logo in use cannot be deleted from under the site
    assert "Logo" in in_use.json()["error"]["message"]

    class Tags(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.found: list[tuple[str, dict[str, str | None]]] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.found.append((tag, dict(attrs)))

    page = await published_page(stack, HOST)
    tags = Tags()
    tags.feed(page.body.decode())
    logo_img = next(a for t, a in tags.found if t == "img" and a.get("alt") == "Bakery Rosa")
    assert (logo_img["width"], logo_img["height"]) == ("240", "80")
    icon = next(a for t, a in tags.found if t == "link" and a.get("rel") == "icon")
    assert icon["href"] == logo_img["src"]
    for href in (logo_img["src"], *(a["href"] for t, a in tags.found if t == "link" and a.get("as") == "font")):
        assert (await published_page(stack, HOST, str(href))).status == 200
    assert "--primary:#2f6b3a" in page.body.decode()
    assert "font-src 'self'" in str(page.header("content-security-policy"))


# --- the catalogue ---------------------------------------------------------------------------------
async def test_the_catalogue_lists_fonts_layouts_and_the_contrast_rule(owner: Owner) -> None:
    got = await owner.ok("GET", "/api/v1/catalogue")
    web = [f for f in got["fonts"] if f["web_fonts"]]
    assert len(web) >= 8
    assert all(f["label"] for f in web)
    assert got["contrast"] == {"minimum": AA, "pairs": [words for _, _, words in PAIRS]}
    for kind, options in blocks.LAYOUTS.items():
        layout = next(f for f in got["blocks"][kind]["fields"] if f["name"] == "layout")
        assert [o[0] for o in layout["options"]] == list(options)
        assert all(o[1] for o in layout["options"])
    assert len(blocks.LAYOUTS) >= 8
    assert colours.AA == 4.5
