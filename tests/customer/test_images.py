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
