"""Structure checks on published HTML, shared by the unit and lane tiers."""

from __future__ import annotations

from html.parser import HTMLParser


class Outline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.images: list[dict[str, str | None]] = []
        self.html_lang: str | None = None
        self.links: list[dict[str, str | None]] = []
        self.metas: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
            self.headings.append(int(tag[1]))
        elif tag == "img":
            self.images.append(dict(attrs))
        elif tag == "html":
            self.html_lang = dict(attrs).get("lang")
        elif tag == "link":
            self.links.append(dict(attrs))
        elif tag == "meta":
            self.metas.append(dict(attrs))


def outline(html: str | bytes) -> Outline:
    parser = Outline()
    parser.feed(html.decode() if isinstance(html, bytes) else html)
    return parser


def assert_well_formed_page(html: str | bytes) -> Outline:
    """Exactly one h1, first; heading levels never skip; every image has alt, and width and
    height whenever its dimensions are known (both or neither, positive integers); a lang."""
    page = outline(html)
    assert page.headings.count(1) == 1, page.headings
    assert page.headings[0] == 1, page.headings
    for before, after in zip(page.headings, page.headings[1:], strict=False):
        assert after <= before + 1, f"h{before} then h{after} in {page.headings}"
    for img in page.images:
        assert img.get("alt") is not None, img
        sizes = [img.get("width"), img.get("height")]
        assert sizes.count(None) in (0, 2), img
        if sizes[0] is not None:
            assert all(str(n).isdigit() and int(str(n)) > 0 for n in sizes), img
    assert page.html_lang, "no lang on <html>"
    return page
