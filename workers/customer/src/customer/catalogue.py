"""GET /api/v1/catalogue: the values a site is built from, served so the portal never copies them:
every block type (customer/blocks.py), the colour palettes and the font pairings, each with the
words the portal shows for it."""

from __future__ import annotations

from typing import Any

from customer.blocks import FONT_PAIRINGS, PALETTES, THEME, WEB_FONTS, catalogue_json
from customer.colours import AA, PAIRS
from customer.templates import TEMPLATES, template_json

# What the portal calls each palette and font pairing (one entry per key of PALETTES / FONT_PAIRINGS).
PALETTE_LABELS = {
    "ocean": "Ocean blue",
    "forest": "Forest green",
    "sunset": "Sunset red",
    "slate": "Slate grey",
    "berry": "Berry",
}
FONT_LABELS = {
    "modern": "Modern (your visitor's system font)",
    "classic": "Classic (Georgia headings)",
    "editorial": "Editorial (Palatino and Georgia)",
    "technical": "Technical (typewriter headings)",
    "bistro": "Bistro (Playfair Display and Lato)",
    "bakehouse": "Bakehouse (Fraunces and Nunito)",
    "clean": "Clean (Inter)",
    "studio": "Studio (Space Grotesk and Inter)",
    "boutique": "Boutique (DM Serif Display and DM Sans)",
    "bold": "Bold (Oswald and Source Sans 3)",
    "geometric": "Geometric (Montserrat and Lato)",
    "soft": "Soft (Nunito)",
}


def catalogue() -> dict[str, Any]:
    palette_default, fonts_default = THEME["palette"].default, THEME["fonts"].default
    return {
        **catalogue_json(),
        "palettes": [
            {"id": key, "label": PALETTE_LABELS[key], "colors": colors, "default": key == palette_default}
            for key, colors in PALETTES.items()
        ],
        "fonts": [
            {
                "id": key,
                "label": FONT_LABELS[key],
                "headings": headings,
                "body": body,
                "web_fonts": key in WEB_FONTS,
                "default": key == fonts_default,
            }
            for key, (headings, body) in FONT_PAIRINGS.items()
        ],
        # The rule a brand colour is held to (customer/colours.py): each pair at least `minimum`.
        "contrast": {"minimum": AA, "pairs": [words for _, _, words in PAIRS]},
        # The templates a new site can start from (customer/templates.py), for the portal's chooser.
        "templates": [template_json(t) for t in TEMPLATES],
    }
