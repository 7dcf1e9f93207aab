"""What she pastes as her domain (issue 28.1): customer.domains.normalise turns a URL, capitals,
a trailing slash or dot and an international name into the hostname it names."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from customer.domains import normalise

LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True)
HOST = st.builds(
    lambda labels, tld: ".".join([*labels, tld]),
    st.lists(LABEL, min_size=1, max_size=3),
    st.sampled_from(["ch", "com", "de"]),
)


def test_the_issues_example_and_an_international_name() -> None:
    assert normalise("https://WWW.Harbourlane-Bakery.ch/") == "www.harbourlane-bakery.ch"
    assert normalise("  Bäckerei.CH. ") == "xn--bckerei-5wa.ch"
    assert normalise("http://user@shop.example.com:8080/menu?x=1#top") == "shop.example.com"


@given(
    HOST,
    st.sampled_from(["", "http://", "https://", "HTTPS://"]),
    st.sampled_from(["", "/", "/about/", "/?utm=1", "#top", ".", "./"]),
    st.booleans(),
    st.sampled_from(["", " ", "\t"]),
)
def test_any_way_of_writing_a_hostname_gives_the_hostname(
    host: str, scheme: str, tail: str, upper: bool, space: str
) -> None:
    pasted = f"{space}{scheme}{host.upper() if upper else host}{tail}{space}"
    assert normalise(pasted) == host


@given(HOST)
def test_normalising_twice_changes_nothing(host: str) -> None:
    assert normalise(normalise(f"https://{host}/")) == normalise(host) == host
