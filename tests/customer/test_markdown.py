from customer.markdown import to_html


def test_escapes_everything_and_allows_the_subset() -> None:
    html = to_html(
        "# Hi <b>\n\nText with **bold**, *it* and `code`.\nNext line\n\n"
        "- one\n- [two](https://x.example/?a=1&b=2)\n\n1. first"
    )
    assert "<h2>Hi &lt;b&gt;</h2>" in html
    assert "<strong>bold</strong>" in html
    assert "<em>it</em>" in html
    assert "<code>code</code>" in html
    assert "<br>" in html
    assert '<a href="https://x.example/?a=1&amp;b=2">two</a>' in html
    assert "<ol>\n<li>first</li>\n</ol>" in html


def test_no_way_to_smuggle_markup_or_script_links() -> None:
    for source in (
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        "[x](//evil.example)",
        '[x](https://a.example/"onmouseover="alert(1))',
        "<img src=x onerror=alert(1)>",
        "[x](data:text/html,hi)",
    ):
        html = to_html(source)
        assert "<script" not in html
        assert "<img" not in html
        assert "javascript:" not in html.split("href=")[-1] or "href=" not in html
        assert 'href="//' not in html
        assert "data:" not in html.split("href")[-1][:10]
        assert '"onmouseover' not in html


def levels(html: str) -> list[int]:
    import re

    return [int(n) for n in re.findall(r"<h([1-6])>", html)]


def test_headings_shift_under_the_block_and_never_skip() -> None:
    # "##" straight under the page's h1 becomes h2, not h3; the outline keeps its shape.
    assert levels(to_html("## About\n\ntext\n\n### Detail\n\n## Next")) == [2, 3, 2]
    # A jump in the source (# then ###) is closed up.
    assert levels(to_html("# Top\n\n### Deep\n\n### Deep too\n\n# Top again")) == [2, 3, 3, 2]
    # Only ### used: the highest level used becomes the top.
    assert levels(to_html("### A\n\n### B")) == [2, 2]
    assert levels(to_html("## A\n\n### B", top=3)) == [3, 4]
