"""Every template renders a subject, HTML and a text part; values are escaped; data is checked."""

from __future__ import annotations

import re

import pytest

from mailer import templates
from shared.schema import FieldInvalid

LINK = "https://www.smartpages.online/x?a=1&b=2"

# Complete data for each template: the contract callers (core, customer, billing) follow.
SAMPLES: dict[str, dict[str, str]] = {
    "verify_email": {"link": LINK, "name": "Ada"},
    "password_reset": {"link": LINK},
    "magic_link": {"link": LINK, "expires_in": "10 minutes"},
    "welcome": {"portal": LINK},
    "email_change": {"link": LINK, "new_email": "new@example.com"},
    "password_changed": {"link": LINK},
    "email_changed": {"link": LINK, "new_email": "new@example.com"},
    "account_exists": {"link": LINK},
    "payment_failed": {"plan": "Pro", "amount": "€12.00", "link": LINK},
    "plan_downgraded": {"plan": "Pro", "domains_until": "14 April 2027", "link": LINK, "name": "Ada"},
    "domains_ending": {"domains_until": "14 April 2027", "link": LINK, "name": "Ada"},
    "payment_action_required": {"plan": "Pro", "amount": "€12.00", "link": LINK},
    "trial_ending": {"plan": "Pro", "trial_end": "3 March 2027", "link": LINK},
    "subscription_cancelled": {"plan": "Pro", "link": LINK, "access_until": "31 March 2027"},
    "subscription_activated": {"plan": "Pro", "link": LINK},
    "leads_waiting": {"site_name": "Bakery Bob", "link": LINK},
    "leads_digest": {"site_name": "Bakery Bob", "count": "3", "summary": "Ann (ann@example.org)", "link": LINK},
    "lead_auto_reply": {"site_name": "Bakery Bob", "text": "Thank you! We answer within a day.", "link": LINK},
    "domain_live": {"hostname": "www.bakery-bob.ch", "site_name": "Bakery Bob", "link": LINK},
    "site_invitation": {
        "site_name": "Bakery Bob",
        "inviter": "bob@example.com",
        "role": "edit and publish",
        "link": LINK,
    },
    "lead_notification": {
        "site_name": "Bakery Bob",
        "lead_name": "Carol",
        "lead_email": "carol@example.org",
        "message": "Hello",
        "link": LINK,
    },
}


def render(name: str, data: dict[str, str]) -> templates.Rendered:
    template = templates.get(name)
    return templates.render(template, templates.validate(template, data))


def test_the_issue_lists_every_template_and_each_has_a_sample() -> None:
    assert set(templates.TEMPLATES) == set(SAMPLES)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_template_renders_html_and_a_text_alternative_with_its_link(name: str) -> None:
    rendered = render(name, SAMPLES[name])
    assert rendered.subject
    assert "\n" not in rendered.subject
    assert rendered.html.startswith("<!doctype html>")
    assert 'href="https://www.smartpages.online/x?a=1&amp;b=2"' in rendered.html
    assert LINK in rendered.text
    assert "<" not in rendered.text


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_optional_keys_can_be_left_out(name: str) -> None:
    template = templates.get(name)
    minimal = {k: v for k, v in SAMPLES[name].items() if k in template.required}
    assert render(name, minimal).text


def test_every_value_is_escaped_in_html_and_kept_as_written_in_text() -> None:
    evil = '<script>alert("x")</script> & <b onmouseover=1>'
    data = {**SAMPLES["lead_notification"], "lead_name": "Eve <eve>", "message": evil, "lead_phone": "<i>0</i>"}
    rendered = render("lead_notification", data)
    assert "<script>" not in rendered.html
    assert "<b onmouseover" not in rendered.html
    assert "<i>0</i>" not in rendered.html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b onmouseover=1&gt;" in rendered.html
    assert "Eve &lt;eve&gt;" in rendered.html
    assert f"> {evil}" in rendered.text
    assert rendered.subject == "New enquiry from Eve <eve> on Bakery Bob"


def test_a_quote_keeps_its_lines_in_the_text_part() -> None:
    data = {**SAMPLES["lead_notification"], "message": "first line\nsecond line"}
    assert "> first line\n> second line" in render("lead_notification", data).text


def test_a_link_cannot_break_out_of_its_attribute() -> None:
    rendered = render("welcome", {"portal": 'https://x.test/"><script>alert(1)</script>'})
    assert "<script>" not in rendered.html
    assert 'href="https://x.test/&quot;&gt;&lt;script&gt;' in rendered.html


def test_the_greeting_uses_the_name_when_given() -> None:
    assert "Hi Ada," in render("verify_email", SAMPLES["verify_email"]).text
    assert "Hi,\n" in render("verify_email", {"link": LINK}).text


def test_numbers_are_accepted_as_text() -> None:
    rendered = render("payment_failed", {"plan": "Pro", "amount": 12.5, "link": LINK})  # type: ignore[dict-item]
    assert "12.5" in rendered.text


def field_error(name: str, data: object) -> FieldInvalid:
    with pytest.raises(FieldInvalid) as caught:
        templates.validate(templates.get(name), data)
    return caught.value


def test_an_unknown_template_names_the_field_and_lists_the_known_ones() -> None:
    with pytest.raises(FieldInvalid) as caught:
        templates.get("verify")
    assert caught.value.field == "template"
    assert "verify_email" in caught.value.message


def test_missing_keys_are_all_named() -> None:
    error = field_error("lead_notification", {"site_name": "x", "message": "m"})
    assert (error.field, error.code) == ("data.lead_name", "missing_data")
    assert "data.lead_name, data.lead_email, data.link" in error.message


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"link": "javascript:alert(1)"}, "data.link"),
        ({"link": "/relative"}, "data.link"),
        ({"link": "https://x.test/a b"}, "data.link"),
        ({"link": LINK, "name": None}, "data.name"),
        ({"link": LINK, "name": True}, "data.name"),
        ({"link": LINK, "name": {"a": 1}}, "data.name"),
        ({"link": LINK, "name": "x" * 10_001}, "data.name"),
        ({"link": LINK, "name": "nul\x00byte"}, "data.name"),
        ({"link": LINK, "colour": "red"}, "data.colour"),
    ],
)
def test_bad_values_name_their_field(data: dict[str, object], field: str) -> None:
    assert field_error("verify_email", data).field == field


def test_data_must_be_an_object() -> None:
    assert field_error("verify_email", ["x"]).field == "data"


@pytest.mark.parametrize("value", ["Pro\r\nBcc: x@example.com", "Pro\nX", "Pro\rX", "Pro\tX"])
def test_values_that_reach_the_subject_cannot_carry_a_line_break(value: str) -> None:
    error = field_error("subscription_activated", {"plan": value, "link": LINK})
    assert error.field == "data.plan"
    assert "line breaks" in error.message


def test_body_only_values_may_span_lines() -> None:
    data = {**SAMPLES["lead_notification"], "message": "a\r\nb"}
    assert templates.validate(templates.get("lead_notification"), data)["message"] == "a\r\nb"


def test_no_template_puts_raw_markup_from_data_in_html() -> None:
    # Any `<` that came from data must appear escaped: fill every key with markup and look for it raw.
    for name, sample in SAMPLES.items():
        template = templates.get(name)
        data = {k: (v if k in templates.URL_KEYS or k == "lead_email" else f"<u>{k}</u>") for k, v in sample.items()}
        rendered = templates.render(template, data)
        assert not re.search(r"<u>", rendered.html), name


def test_the_cancellation_mail_says_what_happens_and_when() -> None:
    """It used to say "your site stays online until …", as if the site then went offline."""
    text = " ".join(render("subscription_cancelled", SAMPLES["subscription_cancelled"]).text.split())
    assert "stays online until" not in text
    assert "Your Pro plan stays active until 31 March 2027" in text
    assert "published sites stay online" in text
    assert "nothing is deleted" in text.lower()
    assert "14 days" in text
    now = " ".join(render("subscription_cancelled", {"plan": "Pro", "link": LINK}).text.split())
    assert "Your account is now on Free" in now
