"""GET /api/v1/catalogue: the values a site is built from, so the portal copies none of them."""

from customer import blocks
from customer.blocks import FONT_PAIRINGS, PALETTES
from shared.http import Request
from tests.customer.conftest import Owner


async def test_palettes_and_fonts_come_with_their_words_and_the_defaults(owner: Owner) -> None:
    got = await owner.ok("GET", "/api/v1/catalogue")
    assert got["blocks"] == blocks.catalogue_json()["blocks"]
    assert [p["id"] for p in got["palettes"]] == list(PALETTES)
    assert [f["id"] for f in got["fonts"]] == list(FONT_PAIRINGS)
    ocean = got["palettes"][0]
    assert ocean == {"id": "ocean", "label": "Ocean blue", "colors": PALETTES["ocean"], "default": True}
    assert [p["id"] for p in got["palettes"] if p["default"]] == ["ocean"]
    assert [f["id"] for f in got["fonts"] if f["default"]] == ["modern"]
    assert all(p["label"] for p in got["palettes"])
    assert all(f["label"] for f in got["fonts"])


async def test_every_palette_the_catalogue_lists_is_one_a_site_may_choose(owner: Owner) -> None:
    got = await owner.ok("GET", "/api/v1/catalogue")
    site = await owner.new_site()
    for palette in got["palettes"]:
        await owner.ok("PATCH", f"/api/v1/sites/{site['id']}", {"theme": {"palette": palette["id"]}})


async def test_the_catalogue_needs_a_session(owner: Owner) -> None:
    response = await owner.stack.core.handle(Request("GET", "/api/v1/catalogue"))
    assert response.status == 401
