"""A safe Markdown subset to HTML. Everything the author typed is escaped first; only these
constructs become markup:

    # / ## / ###  headings, nested under the block: a top-level one becomes `top` (h2 in a
                rich-text block, so the page keeps its one h1), each deeper one a level below
                the heading it sits under, so no level is ever skipped
    - item / * item, 1. item   lists
    > quote                     blockquote
    **bold**, *italic*, _italic_, `code`
    [text](https://…)           links: http(s), mailto:, tel:, /path or #anchor only
    blank line                  new paragraph; a single line break stays a line break

No raw HTML, no images (use an image block), no attributes: there is nothing to smuggle a script in."""

from __future__ import annotations

import re
from html import escape

_LINK = re.compile(r"\[([^\]\n]{1,300})\]\(([^()\s]{1,500})\)")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![\w*])[*_](?=\S)(.+?)(?<=\S)[*_](?![\w*])")
_CODE = re.compile(r"`([^`\n]{1,300})`")
_HEADING = re.compile(r"^(#{1,3})\s+(.*)$")
_UL = re.compile(r"^[-*]\s+(.*)$")
_OL = re.compile(r"^\d{1,3}[.)]\s+(.*)$")


def safe_href(url: str) -> str | None:
    """The link target when it is one a visitor may safely follow, else None."""
    lowered = url.lower()
    if lowered.startswith(("https://", "http://")) and len(url) > 8:
        return url
    if lowered.startswith(("mailto:", "tel:")) and len(url) > 5:
        return url
    if url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url
    if url.startswith("#") and len(url) > 1:
        return url
    return None


def _emphasis(escaped: str) -> str:
    escaped = _CODE.sub(r"<code>\1</code>", escaped)
    escaped = _BOLD.sub(r"<strong>\1</strong>", escaped)
    return _ITALIC.sub(r"<em>\1</em>", escaped)


def inline(text: str) -> str:
    out: list[str] = []
    pos = 0
    for match in _LINK.finditer(text):
        out.append(_emphasis(escape(text[pos : match.start()])))
        label, url = match.group(1), match.group(2)
        href = safe_href(url)
        if href is None:
            out.append(_emphasis(escape(label)))
        else:
            out.append(f'<a href="{escape(href, quote=True)}">{_emphasis(escape(label))}</a>')
        pos = match.end()
    out.append(_emphasis(escape(text[pos:])))
    return "".join(out)


def to_html(source: str, top: int = 2) -> str:
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    open_headings: list[tuple[int, int]] = []  # (level typed, level rendered) of the enclosing headings
    html: list[str] = []
    paragraph: list[str] = []
    list_kind = ""
    quote: list[str] = []

    def flush() -> None:
        nonlocal list_kind
        if paragraph:
            html.append("<p>" + "<br>\n".join(inline(p) for p in paragraph) + "</p>")
            paragraph.clear()
        if list_kind:
            html.append(f"</{list_kind}>")
            list_kind = ""
        if quote:
            html.append("<blockquote><p>" + "<br>\n".join(inline(q) for q in quote) + "</p></blockquote>")
            quote.clear()

    for raw in lines:
        line = raw.strip()
        heading, ul, ol = _HEADING.match(line), _UL.match(line), _OL.match(line)
        if not line:
            flush()
        elif heading:
            flush()
            typed = len(heading.group(1))
            while open_headings and open_headings[-1][0] >= typed:
                open_headings.pop()
            level = min(open_headings[-1][1] + 1 if open_headings else top, 6)
            open_headings.append((typed, level))
            html.append(f"<h{level}>{inline(heading.group(2))}</h{level}>")
        elif ul or ol:
            kind = "ul" if ul else "ol"
            item = (ul or ol).group(1)  # type: ignore[union-attr]
            if paragraph or quote or (list_kind and list_kind != kind):
                flush()
            if not list_kind:
                html.append(f"<{kind}>")
                list_kind = kind
            html.append(f"<li>{inline(item)}</li>")
        elif line.startswith(">"):
            if paragraph or list_kind:
                flush()
            quote.append(line[1:].strip())
        else:
            if list_kind or quote:
                flush()
            paragraph.append(line)
    flush()
    return "\n".join(html)
