"""Image tags for published pages: responsive, sized, and loaded in the right order.

Every `<img>` carries `width`/`height` (the original's, read from its bytes at upload: no layout
shift) and `alt`. When the portal uploaded variants, a `<picture>` offers the WebP ones with a
`srcset`, and the `<img>` lists the JPEG ones, so every browser picks the smallest file its screen
needs. Images in a page's first block are above the fold: they load eagerly, and the first large
one gets `fetchpriority="high"` (it is the page's LCP element); every other image is lazy."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from customer.theme import GAP, PAD, SPLIT_AT, SPLIT_GAP, STRIP_MAX, STRIP_SHARE, TILE, TILE_WIDE, WRAP

LARGE = 600  # pixels wide: an image this big above the fold is the page's main image


# --- `sizes`: the width each layout gives a photo, from the same figures as the stylesheet -------
# A browser picks a file from `srcset` before it lays the page out, by this width times the screen's
# pixel density; too wide and a phone downloads a photo twice the size it shows.


def _n(rem: float) -> str:
    return f"{round(rem, 4):g}"


def _content(vw_share: float = 1.0, columns: int = 1, gaps: float = 0.0) -> str:
    """calc() for one of `columns` equal columns of the content box (the viewport less .wrap's
    padding), `gaps` rem between them, times `vw_share`."""
    inner = f"100vw - {_n(2 * PAD + gaps)}rem"
    if columns > 1:
        return f"calc(({inner}) / {columns})"
    if vw_share != 1.0:
        return f"calc({_n(vw_share * 100)}vw - {_n(vw_share * (2 * PAD + gaps))}rem)"
    return f"calc({inner})"


MAX_CONTENT = WRAP - 2 * PAD
FULL_BLEED = "100vw"  # the overlay hero: edge to edge
CONTENT = f"(min-width: {_n(WRAP)}rem) {_n(MAX_CONTENT)}rem, {_content()}"  # an image block
SPLIT = (  # a split hero's photo: beside the text on wide screens, under it on phones
    f"(min-width: {_n(WRAP)}rem) {_n((MAX_CONTENT - SPLIT_GAP) / 2)}rem, "
    f"(min-width: {_n(SPLIT_AT)}rem) {_content(columns=2, gaps=SPLIT_GAP)}, {_content()}"
)
_STRIP_FROM = STRIP_MAX / STRIP_SHARE + 2 * PAD  # viewport width from which the strip's photo is at its maximum
STRIP = f"(min-width: {_n(math.ceil(_STRIP_FROM * 100) / 100)}rem) {_n(STRIP_MAX)}rem, {_content(STRIP_SHARE)}"


def grid_sizes(count: int) -> str:
    """A gallery grid of `count` tiles (auto-fit: never more columns than tiles): on phones two
    columns when two TILE rem tiles fit, else one; from SPLIT_AT as many TILE_WIDE rem columns as fit.
    The columns share the content width less the gaps. One entry per range of the same columns."""

    def columns(vw: float) -> int:
        content = min(vw, WRAP) - 2 * PAD
        fit = (
            math.floor((content + GAP) / (TILE_WIDE + GAP)) if vw >= SPLIT_AT else 2 if content >= 2 * TILE + GAP else 1
        )
        return max(1, min(count, fit))

    phone_pair = 2 * TILE + GAP + 2 * PAD
    starts = {WRAP, SPLIT_AT, phone_pair} | {k * TILE_WIDE + (k - 1) * GAP + 2 * PAD for k in range(2, count + 1)}
    parts: list[tuple[float, int]] = []  # (from this viewport width in rem, columns), widest first
    for vw in sorted((v for v in starts if v <= WRAP), reverse=True):
        if parts and parts[-1][1] == columns(vw) and parts[-1][0] < WRAP:
            parts[-1] = (vw, columns(vw))  # the same columns further down: one entry from the lowest start
        else:
            parts.append((vw, columns(vw)))
    entries = []
    for vw, c in parts:
        if vw >= WRAP:
            entries.append(f"(min-width: {_n(WRAP)}rem) {_n((MAX_CONTENT - (c - 1) * GAP) / c)}rem")
        elif c > 1:
            entries.append(f"(min-width: {_n(vw)}rem) {_content(columns=c, gaps=(c - 1) * GAP)}")
    return ", ".join([*entries, _content()])


@dataclass(frozen=True)
class Variant:
    sha256: str
    content_type: str
    width: int
    height: int


@dataclass(frozen=True)
class Image:
    sha256: str
    content_type: str
    width: int | None = None  # None: uploaded before sizes were recorded
    height: int | None = None
    variants: tuple[Variant, ...] = ()


def _a(value: object) -> str:
    return escape(str(value), quote=True)


class ImageTags:
    """One renderer's image tags. `url(sha256, content_type)` registers a file and returns its path."""

    def __init__(self, images: dict[str, Image], url: Callable[[str, str], str]) -> None:
        self.images = images
        self.url = url
        self.above_fold = False
        self.prioritised: set[int] = set()  # id() of the pages whose main image is chosen
        self.page: object = None
        self.preloads: dict[int, Preload] = {}  # id() of a page -> its main image, to fetch from <head>

    def begin_block(self, page: object, first: bool) -> None:
        """Called before each block: images in a page's first block are above the fold."""
        self.page = page
        self.above_fold = first

    def srcset(self, variants: list[Variant]) -> str:
        return ", ".join(f"{self.url(v.sha256, v.content_type)} {v.width}w" for v in sorted(variants, key=_width))

    def tag(self, image: Image, src: str, alt: str, sizes: str, css: str = "") -> str:
        """`sizes`: the width the layout gives this image (FULL_BLEED, CONTENT, SPLIT, STRIP, grid_sizes())."""
        attrs = [f'src="{_a(src)}"', f'alt="{_a(alt)}"']
        if image.width and image.height:
            attrs.append(f'width="{image.width}" height="{image.height}"')
        jpegs = [v for v in image.variants if v.content_type == image.content_type]
        webps = [v for v in image.variants if v.content_type == "image/webp" and image.content_type != "image/webp"]
        srcset = ""
        if image.variants:
            own = Variant(image.sha256, image.content_type, image.width or 0, image.height or 0)
            srcset = self.srcset([*jpegs, own])
            attrs.append(f'srcset="{_a(srcset)}" sizes="{_a(sizes)}"')
        if self.above_fold:
            if (image.width or 0) >= LARGE and id(self.page) not in self.prioritised:
                self.prioritised.add(id(self.page))
                attrs.append('fetchpriority="high"')
                # The same choice the <picture> below makes, asked for from <head>: the browser
                # starts this download before it reaches the <img>, ahead of the other photos.
                if webps:
                    self.preloads[id(self.page)] = Preload(src, self.srcset(webps), sizes, "image/webp")
                else:
                    self.preloads[id(self.page)] = Preload(src, srcset, sizes if srcset else "", "")
        else:
            attrs.append('loading="lazy"')
        attrs.append('decoding="async"')
        if css:
            attrs.append(f'class="{_a(css)}"')
        img = f"<img {' '.join(attrs)}>"
        if not webps:
            return img
        source = f'<source type="image/webp" srcset="{_a(self.srcset(webps))}" sizes="{_a(sizes)}">'
        return f"<picture>{source}{img}</picture>"


def _width(v: Variant) -> int:
    return v.width


@dataclass(frozen=True)
class Preload:
    """A page's main image, fetched early: `<link rel="preload" as="image">` in its <head>."""

    href: str  # for browsers without imagesrcset
    srcset: str
    sizes: str
    content_type: str  # set: only browsers that can show this type preload it (WebP)

    def html(self) -> str:
        attrs = ['rel="preload"', 'as="image"', f'href="{_a(self.href)}"']
        if self.srcset:
            attrs.append(f'imagesrcset="{_a(self.srcset)}" imagesizes="{_a(self.sizes)}"')
        if self.content_type:
            attrs.append(f'type="{_a(self.content_type)}"')
        attrs.append('fetchpriority="high"')
        return f"<link {' '.join(attrs)}>"
