"""The typed blocks a page is made of, and the site-level settings (theme, SEO, redirects): their
schemas. Rendering is render.py's job."""

from __future__ import annotations

import re
from typing import Any

from shared.schema import (
    Asset,
    Bool,
    Choice,
    Field,
    Link,
    List,
    Obj,
    Str,
    check_fields,
    clock_time,
    color,
    invalid,
)

MARKDOWN_MAX = 20_000
_HEADING = Str(max_length=120)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Layout variants of the blocks that have them; the first is the default (and what blocks saved
# before variants existed render as).
LAYOUTS: dict[str, tuple[str, ...]] = {
    "hero": ("overlay", "split"),  # the image behind the text / beside it
    "gallery": ("grid", "strip"),  # tiles / one scrolling row
    "features": ("cards", "list"),  # a grid of cards / one column
}


def _layout(block: str) -> Choice:
    return Choice(LAYOUTS[block], default=LAYOUTS[block][0])


BLOCKS: dict[str, dict[str, Field]] = {
    "hero": {
        "heading": Str(max_length=120, required=True),
        "subheading": Str(max_length=300),
        "image": Asset(),
        "image_alt": Str(max_length=300),
        "cta_label": Str(max_length=40),
        "cta_href": Link(),
        "layout": _layout("hero"),
    },
    "rich_text": {"markdown": Str(max_length=MARKDOWN_MAX, required=True, multiline=True)},
    "image": {"asset": Asset(required=True), "alt": Str(max_length=300), "caption": Str(max_length=300)},
    "gallery": {
        "heading": _HEADING,
        "images": List(Obj({"asset": Asset(required=True), "alt": Str(max_length=300)}), 1, 24, required=True),
        "layout": _layout("gallery"),
    },
    "features": {
        "heading": _HEADING,
        "items": List(
            Obj({"title": Str(max_length=80, required=True), "text": Str(max_length=400)}), 1, 12, required=True
        ),
        "layout": _layout("features"),
    },
    "pricing": {
        "heading": _HEADING,
        "plans": List(
            Obj(
                {
                    "name": Str(max_length=60, required=True),
                    "price": Str(max_length=30, required=True),
                    "period": Str(max_length=30),
                    "features": List(Str(max_length=120), 0, 12),
                    "cta_label": Str(max_length=40),
                    "cta_href": Link(),
                    "highlighted": Bool(),
                }
            ),
            1,
            6,
            required=True,
        ),
    },
    "testimonials": {
        "heading": _HEADING,
        "items": List(
            Obj(
                {
                    "quote": Str(max_length=600, required=True, multiline=True),
                    "author": Str(max_length=80, required=True),
                    "role": Str(max_length=80),
                }
            ),
            1,
            12,
            required=True,
        ),
    },
    "cta": {
        "heading": Str(max_length=120, required=True),
        "text": Str(max_length=400),
        "label": Str(max_length=40, required=True),
        "href": Link(required=True),
    },
    "lead_form": {
        "heading": _HEADING,
        "intro": Str(max_length=400),
        "ask_phone": Bool(),
        "submit_label": Str(max_length=40),
        "thanks": Str(max_length=200),
    },
    "hours_location": {
        "heading": _HEADING,
        "hours": List(
            Obj({"day": Choice(DAYS, required=True), "opens": clock_time(), "closes": clock_time(), "closed": Bool()}),
            0,
            7,
        ),
        "address": Str(max_length=300, multiline=True),
        "phone": Str(max_length=40),
        "email": Str(max_length=254),
        "map_url": Link(),
    },
    "footer": {
        "text": Str(max_length=500),
        "links": List(Obj({"label": Str(max_length=60, required=True), "href": Link(required=True)}), 0, 10),
    },
}
BLOCK_TYPES = tuple(BLOCKS)
MAX_BLOCKS_PER_PAGE = 40
_BLOCK_ID = re.compile(r"^b_[0-9a-f]{8,32}$")

PALETTES: dict[str, dict[str, str]] = {
    "ocean": {"primary": "#0b6e99", "background": "#ffffff", "text": "#1f2933", "muted": "#e6f2f8"},
    "forest": {"primary": "#2f6b3a", "background": "#fbfdf9", "text": "#1d2a1f", "muted": "#e8f1e6"},
    "sunset": {"primary": "#b4442b", "background": "#fffaf5", "text": "#2b1d17", "muted": "#fbeadf"},
    "slate": {"primary": "#334e68", "background": "#f8fafc", "text": "#102a43", "muted": "#e2e8f0"},
    "berry": {"primary": "#8a2c6d", "background": "#fffbfe", "text": "#2a1426", "muted": "#f6e6f1"},
}
FONT_PAIRINGS: dict[str, tuple[str, str]] = {  # (headings, body): system stacks, nothing fetched
    "modern": (
        "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
        "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    ),
    "classic": ("Georgia, 'Times New Roman', serif", "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"),
    "editorial": ("'Palatino Linotype', Palatino, Georgia, serif", "Georgia, 'Times New Roman', serif"),
    "technical": ("ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace", "system-ui, -apple-system, sans-serif"),
}

THEME: dict[str, Field] = {
    "palette": Choice(tuple(PALETTES), default="ocean"),
    "primary": color(),  # overrides the palette's primary colour
    "fonts": Choice(tuple(FONT_PAIRINGS), default="modern"),
}
SEO: dict[str, Field] = {
    "title": Str(max_length=70),
    "description": Str(max_length=160),
    "social_image": Asset(),
    "favicon": Asset(),
    "language": Str(
        max_length=12,
        pattern=re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"),
        hint="must be a language tag like en or de-CH",
    ),
}
MAX_REDIRECTS = 100


def check_block(data: Any, path: str) -> dict[str, Any]:
    """One block: {"type": ..., "id"?: ..., <fields of that type>}."""
    if not isinstance(data, dict):
        raise invalid(path, "must be an object")
    kind = data.get("type")
    if kind not in BLOCKS:
        raise invalid(f"{path}.type", f"must be one of: {', '.join(BLOCK_TYPES)}")
    block_id = data.get("id")
    if block_id is not None and (not isinstance(block_id, str) or not _BLOCK_ID.match(block_id)):
        raise invalid(f"{path}.id", "must be a block id like b_0123abcd")
    fields = {k: v for k, v in data.items() if k not in ("type", "id")}
    clean = check_fields(BLOCKS[kind], fields, path)
    return {"type": kind, **({"id": block_id} if block_id else {}), **clean}


def check_blocks(data: Any, path: str = "blocks") -> list[dict[str, Any]]:
    if not isinstance(data, list):
        raise invalid(path, "must be a list")
    if len(data) > MAX_BLOCKS_PER_PAGE:
        raise invalid(path, f"must have at most {MAX_BLOCKS_PER_PAGE} blocks")
    return [check_block(b, f"{path}[{i}]") for i, b in enumerate(data)]


def check_theme(data: Any, path: str = "theme") -> dict[str, Any]:
    return Obj(THEME).check(data, path)  # type: ignore[no-any-return]


def check_seo(data: Any, path: str = "seo") -> dict[str, Any]:
    return Obj(SEO).check(data, path)  # type: ignore[no-any-return]


def _site_path(value: Any, path: str) -> str:
    text = Str(max_length=300, required=True).check(value, path)
    if not text.startswith("/") or text.startswith("//") or "\\" in text or any(c.isspace() for c in text):
        raise invalid(path, "must be a path on the site starting with /")
    return str(text)


def check_redirects(data: Any, path: str = "redirects") -> dict[str, str]:
    """{"/old-path": "/new-path/" or "https://…"}: from a path on the site to a path or a URL."""
    if not isinstance(data, dict):
        raise invalid(path, "must be an object")
    if len(data) > MAX_REDIRECTS:
        raise invalid(path, f"must have at most {MAX_REDIRECTS} entries")
    clean: dict[str, str] = {}
    for source, target in data.items():
        where = f"{path}[{source!r}]"
        _site_path(source, where)
        clean[source] = Link(required=True).check(target, where)
        if clean[source].startswith(("mailto:", "tel:", "#")):
            raise invalid(where, "must redirect to a /path or an http(s) URL")
    return clean


def referenced_assets(blocks: list[dict[str, Any]]) -> set[str]:
    """Every asset sha256 the blocks point at."""
    found: set[str] = set()

    def walk(value: Any, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif key in ("asset", "image") and isinstance(value, str) and value:
            found.add(value)

    walk(blocks)
    return found
