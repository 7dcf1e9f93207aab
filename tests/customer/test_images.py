"""Published image tags: every <img> has width, height and alt, a srcset when the upload has
variants (WebP offered through <picture>), the first large image above the fold is fetched first
and never lazy, and every image below it is lazy. The variant files are published with their sizes."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from playwright.async_api import Browser as Chromium

from customer.blocks import check_blocks
from customer.images import Image, Variant
from customer.model import Page
from customer.render import SiteData, render_site
from devstack.stack import Stack
from tests.customer.conftest import Owner, open_site, published_page
from tests.imagefiles import jpeg, png, webp

HOST = "bakery-rosa.localhost"


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("img", "source"):
            self.found.append((tag, dict(attrs)))


async def test_published_images_are_sized_responsive_and_prioritised(owner: Owner, stack: Stack) -> None:
    site = await owner.new_site()
    photo = (await owner.upload(site["id"], jpeg(1600, 1200))).json()["sha256"]
    for data in (jpeg(480, 360, seed=1), jpeg(960, 720, seed=2), webp(480, 360), webp(960, 720), webp(1600, 1200)):
        assert (await owner.upload(site["id"], data, under=f"/{photo}/variants")).status == 201
    plain = (await owner.upload(site["id"], png(3, width=40, height=30))).json()["sha256"]
    blocks = [
        {"type": "hero", "heading": "Bread", "image": photo, "image_alt": "A loaf"},
        {"type": "gallery", "images": [{"asset": photo, "alt": "Again"}, {"asset": plain, "alt": "Small"}]},
    ]
    await owner.ok("PUT", f"/api/v1/sites/{site['id']}/pages/{site['pages'][0]['id']}", {"blocks": blocks})
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)

    parser = Tags()
    parser.feed((await published_page(stack, HOST)).body.decode())
    images = [attrs for tag, attrs in parser.found if tag == "img"]
    assert len(images) == 3
    for attrs in images:
        assert all(attrs.get(name) for name in ("width", "height", "alt")), attrs
    hero, again, small = images
    assert (hero["width"], hero["height"]) == ("1600", "1200")
    assert hero["fetchpriority"] == "high"
    assert "loading" not in hero
    assert again["loading"] == small["loading"] == "lazy"
    assert "fetchpriority" not in again
    assert hero["sizes"] == "100vw"
    widths = [part.split()[1] for part in str(hero["srcset"]).split(", ")]
    assert widths == ["480w", "960w", "1600w"]
    assert "srcset" not in small  # no variants: nothing to choose from
    sources = [attrs for tag, attrs in parser.found if tag == "source"]
    assert [s["type"] for s in sources] == ["image/webp", "image/webp"]

    # Every file a srcset names is served, with its type.
    for candidate in [*str(hero["srcset"]).split(", "), *str(sources[0]["srcset"]).split(", ")]:
        path = candidate.split()[0]
        served = await published_page(stack, HOST, path)
        assert served.status == 200, path
        assert served.header("content-type") in ("image/jpeg", "image/webp")
        assert int(str(served.header("content-length") or len(served.body))) == len(served.body)


async def test_an_uploaded_favicon_is_offered_in_the_sizes_browsers_use(owner: Owner, stack: Stack) -> None:
    site = await owner.new_site()
    icon = (await owner.upload(site["id"], png(5, width=512, height=512))).json()["sha256"]
    for px in (32, 180, 192):
        assert (await owner.upload(site["id"], webp(px, px), under=f"/{icon}/variants")).status == 201
    await owner.ok("PATCH", f"/api/v1/sites/{site['id']}", {"seo": {"favicon": icon}})
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)

    class Links(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.links: list[dict[str, str | None]] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "link" and dict(attrs).get("rel") in ("icon", "apple-touch-icon"):
                self.links.append(dict(attrs))

    parser = Links()
    parser.feed((await published_page(stack, HOST)).body.decode())
    sized = {link["sizes"]: link["href"] for link in parser.links if link.get("sizes")}
    assert set(sized) == {"32x32", "180x180", "192x192"}
    assert [link["rel"] for link in parser.links].count("apple-touch-icon") == 1
    for href in sized.values():  # every size is published
        assert (await published_page(stack, HOST, str(href))).status == 200


# --- `sizes` against the real layout, in Chromium ----------------------------------------------------
# The renderer writes each photo's `sizes` from the stylesheet's figures (theme.py); here Chromium
# lays the published pages out at phone to desktop widths and every image's rendered width is
# compared with what its `sizes` says (evaluated by the browser itself: media queries and calc()).

WIDTHS = [320, 360, 412, 600, 767, 768, 900, 1024, 1100, 1280, 1600]


def _photo(n: int) -> Image:
    sha = f"{n:x}" * 64
    variants = tuple(
        Variant(f"{n:x}{w:04d}{t[6]}".ljust(64, "0"), t, w, w * 2 // 3)
        for w in (480, 800, 1200)
        for t in ("image/webp", "image/jpeg")
    )
    full = Variant(f"{n:x}1600w".ljust(64, "0"), "image/webp", 1600, 1067)
    return Image(sha[:64], "image/jpeg", 1600, 1067, (*variants, full))


PHOTOS = [_photo(n) for n in range(1, 8)]


def _layout_site() -> SiteData:
    def gallery(layout: str, count: int, photos: list[Image] = PHOTOS) -> dict[str, Any]:
        return {"type": "gallery", "layout": layout, "heading": "Photos",
                "images": [{"asset": p.sha256, "alt": f"Photo {i}"} for i, p in enumerate(photos[:count])]}  # fmt: skip

    def hero(layout: str) -> dict[str, Any]:
        return {"type": "hero", "layout": layout, "heading": "Bread", "image": PHOTOS[0].sha256, "image_alt": "Loaves"}

    pages = [
        (
            "",
            [
                hero("overlay"),
                gallery("grid", 4, PHOTOS[1:]),
                {"type": "image", "asset": PHOTOS[5].sha256, "alt": "Shop"},
            ],
        ),
        ("split", [hero("split"), gallery("grid", 2), gallery("grid", 3)]),
        ("many", [gallery("grid", 1), gallery("grid", 6), gallery("strip", 3), gallery("grid", 7)]),
    ]
    return SiteData(
        id="s_" + "1" * 32, name="Bakery", theme={"palette": "ocean"}, seo={},
        pages=[Page(f"p_{slug or 'h'}", slug, slug or "Home", "", check_blocks(blocks)) for slug, blocks in pages],
        origin="https://www.example.com", form_action="https://portal.example/api/v1/forms/s_1",
        assets={p.sha256: p.content_type for p in PHOTOS}, images={p.sha256: p for p in PHOTOS},
    )  # fmt: skip


_MEASURE = """() => {
  const probe = document.createElement('div');
  probe.style.cssText = 'position:absolute;top:0;left:0;height:1px';
  document.body.append(probe);
  const width = (length) => { probe.style.width = length; return probe.getBoundingClientRect().width; };
  const out = [...document.querySelectorAll('img')].map((img) => {
    const source = img.parentElement.tagName === 'PICTURE' ? img.parentElement.querySelector('source') : null;
    const sizes = (source || img).getAttribute('sizes');
    let said = null;
    for (const entry of sizes.split(/,\\s*(?![^()]*\\))/)) {
      const m = entry.match(/^(\\(.*?\\))\\s+(.*)$/);
      if (!m) { said = width(entry); break; }
      if (matchMedia(m[1]).matches) { said = width(m[2]); break; }
    }
    return { alt: img.alt, sizes, said, shown: img.getBoundingClientRect().width };
  });
  probe.remove();
  return { images: out, scrollbar: innerWidth - document.documentElement.clientWidth };
}"""


async def test_every_sizes_attribute_is_the_width_the_layout_gives_the_image(chromium: Chromium) -> None:
    files = {path: f.body for path, f in render_site(_layout_site()).files.items()}
    wrong = []
    for width in WIDTHS:
        page = await open_site(chromium, files, width)
        for path in ("/", "/split/", "/many/"):
            await page.goto(f"http://site.test{path}")
            found = await page.evaluate(_MEASURE)
            assert len(found["images"]) >= 3
            for img in found["images"]:
                # Never narrower than shown (a blurry photo); wider only by the scrollbar, which
                # 100vw counts and the page does not have to give (phones have none).
                if not (img["shown"] - 0.5 <= img["said"] <= img["shown"] + found["scrollbar"] + 0.5):
                    wrong.append((width, path, img))
        await page.context.close()
    assert wrong == []


async def test_the_main_image_is_preloaded_with_the_choice_its_picture_makes(chromium: Chromium) -> None:
    """On Lighthouse's phone (412 px at 1.75x) the hero's 800 px WebP is fetched once, started by
    the <head>'s preload; the tiles of a gallery two columns wide get the 480 px ones."""
    files = {path: f.body for path, f in render_site(_layout_site()).files.items()}
    home = files["/"].decode()
    head = home.split("</head>")[0]
    preload = re.search(r'<link rel="preload" as="image"[^>]*>', head)
    assert preload is not None
    assert 'fetchpriority="high"' in preload.group(0)
    source = re.search(r'<picture><source type="image/webp" srcset="([^"]*)" sizes="([^"]*)">', home)
    assert source is not None
    assert f'imagesrcset="{source.group(1)}" imagesizes="{source.group(2)}"' in preload.group(0)
    assert len(re.findall(r'rel="preload"', home)) == 1

    fetched: list[str] = []
    page = await open_site(chromium, files, 412, fetched, device_scale_factor=1.75, is_mobile=True)
    await page.goto("http://site.test/", wait_until="load")
    # The tiles are lazy: they load after the load event, once laid out near the screen.
    await page.wait_for_function("[...document.querySelectorAll('.gallery img')].every((i) => i.complete)")
    await page.context.close()
    ext = {"image/webp": "webp", "image/jpeg": "jpg"}
    by_name = {f"/assets/{v.sha256}.{ext[v.content_type]}": (p, v.width) for p in PHOTOS for v in p.variants}
    hero = [by_name[f][1] for f in fetched if f in by_name and by_name[f][0] is PHOTOS[0]]
    assert hero == [800], fetched
    tiles = [by_name[f][1] for f in fetched if f in by_name and by_name[f][0] in PHOTOS[1:5]]
    assert len(tiles) == 4, fetched
    assert set(tiles) == {480}, fetched
    assert len(fetched) == len(set(fetched)), fetched  # nothing fetched twice
