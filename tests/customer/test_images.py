"""Published image tags: every <img> has width, height and alt, a srcset when the upload has
variants (WebP offered through <picture>), the first large image above the fold is fetched first
and never lazy, and every image below it is lazy. The variant files are published with their sizes."""

from __future__ import annotations

from html.parser import HTMLParser

from devstack.stack import Stack
from tests.customer.conftest import Owner, published_page
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
