"""A published page's <head>: title, description, canonical, Open Graph and Twitter card, icon,
robots, a preload of the page's main image, the theme's CSS inline (one round trip less before the
first paint; the site's CSP allows exactly this CSS by its hash), and LocalBusiness structured data
(JSON-LD, which is data, not script: the site's CSP still runs no script). Every value is escaped
here; callers pass plain text."""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from typing import Any

from customer.images import Preload

DAY_NAMES = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}


def _a(value: str) -> str:
    return escape(value, quote=True)


@dataclass(frozen=True)
class Head:
    title: str
    description: str
    canonical: str | None  # absolute URL; None for the 404 page
    style: str  # the CSS, inlined
    icon: tuple[str, str]  # (path, content type)
    image: str | None = None  # absolute URL of the social image
    icon_sizes: tuple[tuple[str, str, int], ...] = ()  # the uploaded favicon's resized copies: (path, type, px)
    site_name: str = ""
    noindex: bool = False
    theme_color: str = ""
    structured_data: dict[str, Any] | None = None
    preload: Preload | None = None  # the page's main image, fetched before the body is parsed
    fonts: tuple[str, ...] = ()  # web font files the first screen shows, fetched before the CSS asks

    def html(self) -> str:
        tags = [f"<title>{escape(self.title)}</title>"]
        if self.description:
            tags.append(f'<meta name="description" content="{_a(self.description)}">')
        if self.noindex:
            tags.append('<meta name="robots" content="noindex, nofollow">')
        if self.canonical is not None:
            tags.append(f'<link rel="canonical" href="{_a(self.canonical)}">')
            tags.append(f'<meta property="og:url" content="{_a(self.canonical)}">')
        tags.append('<meta property="og:type" content="website">')
        tags.append(f'<meta property="og:title" content="{_a(self.title)}">')
        if self.site_name:
            tags.append(f'<meta property="og:site_name" content="{_a(self.site_name)}">')
        if self.description:
            tags.append(f'<meta property="og:description" content="{_a(self.description)}">')
        if self.image:
            tags.append(f'<meta property="og:image" content="{_a(self.image)}">')
        card = "summary_large_image" if self.image else "summary"
        tags.append(f'<meta name="twitter:card" content="{card}">')
        path, ctype = self.icon
        tags.append(f'<link rel="icon" href="{_a(path)}" type="{_a(ctype)}">')
        for size_path, size_type, px in self.icon_sizes:
            tags.append(f'<link rel="icon" href="{_a(size_path)}" type="{_a(size_type)}" sizes="{px}x{px}">')
        if self.icon_sizes:  # home screens (iOS) take the full-size square, not the small copies
            tags.append(f'<link rel="apple-touch-icon" href="{_a(path)}">')
        if self.theme_color:
            tags.append(f'<meta name="theme-color" content="{_a(self.theme_color)}">')
        if self.preload is not None:
            tags.append(self.preload.html())
        for font in self.fonts:  # fonts are fetched in CORS mode: the preload must be too, or it is wasted
            tags.append(f'<link rel="preload" href="{_a(font)}" as="font" type="font/woff2" crossorigin>')
        tags.append(f"<style>{self.style}</style>")  # generated from checked values: no </style> in it
        if self.structured_data:
            tags.append(f'<script type="application/ld+json">{json_for_html(self.structured_data)}</script>')
        return "\n".join(tags)


def json_for_html(data: Any) -> str:
    """JSON that cannot end its <script> element or open a comment: <, > and & as \\u escapes."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def local_business(block: dict[str, Any], name: str, url: str, image: str | None) -> dict[str, Any]:
    """schema.org LocalBusiness from an opening-hours-and-location block."""
    data: dict[str, Any] = {"@context": "https://schema.org", "@type": "LocalBusiness", "name": name, "url": url}
    if image:
        data["image"] = image
    if block.get("address"):
        lines = [line.strip() for line in block["address"].split("\n") if line.strip()]
        data["address"] = {"@type": "PostalAddress", "streetAddress": ", ".join(lines)}
    if block.get("phone"):
        data["telephone"] = block["phone"]
    if block.get("email"):
        data["email"] = block["email"]
    if block.get("map_url"):
        data["hasMap"] = block["map_url"]
    spec = "OpeningHoursSpecification"
    hours = [
        {"@type": spec, "dayOfWeek": DAY_NAMES[h["day"]], "opens": h["opens"], "closes": h["closes"]}
        for h in block.get("hours", [])
        if not h.get("closed") and h.get("opens") and h.get("closes")
    ]
    if hours:
        data["openingHoursSpecification"] = hours
    return data
