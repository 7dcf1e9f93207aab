"""Header-bound values: addresses, subject text and MAIL_FROM."""

from __future__ import annotations

import pytest

from mailer.headers import check_address, check_header_text, check_sender, safe_header
from shared.schema import FieldInvalid


@pytest.mark.parametrize(
    "address", ["ada@example.com", "a.b+tag@mail.example.co.uk", "o'brien@example.ie", "x@xn--bcher-kva.example"]
)
def test_plain_addresses_pass(address: str) -> None:
    assert check_address("to", address) == address


@pytest.mark.parametrize(
    "address",
    [
        "",
        "ada",
        "ada@localhost",
        "ada@example.com\r\nBcc: x@example.com",
        "ada@example.com\n",
        "Ada <ada@example.com>",
        "ada@example.com, bob@example.com",
        "a..b@example.com",
        "ada@-example.com",
        "ada @example.com",
        "a" * 250 + "@example.com",
        None,
        ["ada@example.com"],
    ],
)
def test_anything_but_one_plain_address_is_refused(address: object) -> None:
    with pytest.raises(FieldInvalid) as caught:
        check_address("to", address)
    assert (caught.value.field, caught.value.code) == ("to", "invalid_address")


def test_header_text_is_one_bounded_line() -> None:
    assert check_header_text("data.plan", "Pro – yearly") == "Pro – yearly"
    for bad in ("a\rb", "a\nb", "a\x00b", "x" * 201):
        with pytest.raises(FieldInvalid):
            check_header_text("data.plan", bad)


def test_mail_from_may_have_a_display_name() -> None:
    assert check_sender("SmartPages <hello@smartpages.online>")
    assert check_sender("hello@smartpages.online")


@pytest.mark.parametrize(
    "sender", ["SmartPages\r\nBcc: x@example.com <hello@smartpages.online>", "SmartPages <not an address>", ""]
)
def test_a_bad_mail_from_is_a_configuration_error(sender: str) -> None:
    with pytest.raises(RuntimeError, match="MAIL_FROM"):
        check_sender(sender)


def test_safe_header_refuses_control_characters() -> None:
    assert safe_header("fine") == "fine"
    with pytest.raises(ValueError, match="control character"):
        safe_header("a\nb")
