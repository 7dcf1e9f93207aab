"""Image tags for published pages: responsive, sized, and loaded in the right order.

Every `<img>` carries `width`/`height` (the original's, read from its bytes at upload: no layout
shift) and `alt`. When the portal uploaded variants, a `<picture>` offers the WebP ones with a
`srcset`, and the `<img>` lists the JPEG ones, so every browser picks the smallest file its screen
needs. Images in a page's first block are above the fold: they load eagerly, and the first large
one gets `fetchpriority="high"` (it is the page's LCP element); every other image is lazy."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape

LARGE = 600  # pixels wide: an image this big above the fold is the page's main image
SIZES = {"hero-image": "100vw"}
DEFAULT_SIZES = "(min-width: 60rem) 60rem, 100vw"


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

    def begin_block(self, page: object, first: bool) -> None:
        """Called before each block: images in a page's first block are above the fold."""
        self.page = page
        self.above_fold = first

    def srcset(self, variants: list[Variant]) -> str:
        return ", ".join(f"{self.url(v.sha256, v.content_type)} {v.width}w" for v in sorted(variants, key=_width))

    def tag(self, image: Image, src: str, alt: str, css: str) -> str:
        attrs = [f'src="{_a(src)}"', f'alt="{_a(alt)}"']
        if image.width and image.height:
            attrs.append(f'width="{image.width}" height="{image.height}"')
        sizes = SIZES.get(css, DEFAULT_SIZES)
        jpegs = [v for v in image.variants if v.content_type == image.content_type]
        webps = [v for v in image.variants if v.content_type == "image/webp" and image.content_type != "image/webp"]
        if image.variants:
            own = Variant(image.sha256, image.content_type, image.width or 0, image.height or 0)
            attrs.append(f'srcset="{_a(self.srcset([*jpegs, own]))}" sizes="{_a(sizes)}"')
        if self.above_fold:
            if (image.width or 0) >= LARGE and id(self.page) not in self.prioritised:
                self.prioritised.add(id(self.page))
                attrs.append('fetchpriority="high"')
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
