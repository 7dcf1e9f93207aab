"""GET /api/v1/catalogue: the values a site is built from, served so the portal never copies them:
every block type (customer/blocks.py), the colour palettes and the font pairings, each with the
words the portal shows for it."""

from __future__ import annotations

from typing import Any

from customer.blocks import FONT_PAIRINGS, PALETTES, THEME, catalogue_json

# What the portal calls each palette and font pairing (one entry per key of PALETTES / FONT_PAIRINGS).
PALETTE_LABELS = {
    "ocean": "Ocean blue",
    "forest": "Forest green",
    "sunset": "Sunset red",
    "slate": "Slate grey",
    "berry": "Berry",
}
FONT_LABELS = {"modern": "Modern", "classic": "Classic", "editorial": "Editorial", "technical": "Technical"}


def catalogue() -> dict[str, Any]:
    palette_default, fonts_default = THEME["palette"].default, THEME["fonts"].default
    return {
        **catalogue_json(),
        "palettes": [
            {"id": key, "label": PALETTE_LABELS[key], "colors": colors, "default": key == palette_default}
            for key, colors in PALETTES.items()
        ],
        "fonts": [
            {"id": key, "label": FONT_LABELS[key], "headings": headings, "body": body, "default": key == fonts_default}
            for key, (headings, body) in FONT_PAIRINGS.items()
        ],
    }
