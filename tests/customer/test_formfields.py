"""The one definition of a lead form's field rules (customer/formfields.py): the server's check, and
the published attributes derived from it that make a browser refuse the same values."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from customer import formfields


def field(kind: str, required: bool = True, options: list[str] | None = None) -> dict[str, object]:
    return {"label": kind.title(), "kind": kind, "required": required, "options": options or []}


@pytest.mark.parametrize(
    ("kind", "value", "answer", "refused"),
    [
        ("short", "Anna", "Anna", False),
        ("short", "", "", True),
        ("short", "x" * 201, "", True),
        ("long", "line\nline", "line\nline", False),
        ("email", "anna@example.com", "anna@example.com", False),
        ("email", "anna@b", "", True),  # what the browser's type=email alone takes (issue 27)
        ("phone", "+41 44 123 45 67", "+41 44 123 45 67", False),
        ("phone", "call me", "", True),
        ("number", "3.5", "3.5", False),
        ("number", "nan", "", True),
        ("number", "three", "", True),
        ("date", "2026-12-24", "2026-12-24", False),
        ("date", "2026-02-30", "", True),
        ("date", "24.12.2026", "", True),
        ("consent", "yes", "Yes", False),
        ("consent", "", "", True),
    ],
)
def test_one_value(kind: str, value: str, answer: str, refused: bool) -> None:
    got, problem = formfields.check(field(kind), [value])
    assert (got, bool(problem)) == (answer, refused)


def test_optional_fields_may_stay_empty_and_choices_come_from_the_owner() -> None:
    assert formfields.check(field("phone", required=False), [""]) == ("", "")
    sizes = field("choice", options=["Small", "Large"])
    assert formfields.check(sizes, ["Large"]) == ("Large", "")
    assert formfields.check(sizes, ["Huge"])[1]
    extras = field("checkboxes", options=["Candles", "Card"])
    assert formfields.check(extras, ["Candles", "Card"]) == ("Candles, Card", "")
    assert formfields.check(extras, [])[1] == "Please tick at least one."
    assert formfields.check(extras, ["Candles", "Fireworks"])[1]


def test_attributes_come_from_the_rules() -> None:
    email = dict(formfields.attributes(field("email")))
    assert (email["type"], email["pattern"]) == ("email", formfields.RULES["email"].pattern)
    assert (email["maxlength"], email["required"]) == ("254", "")
    assert "required" not in dict(formfields.attributes(field("short", required=False)))
    assert dict(formfields.attributes(field("date")))["type"] == "date"
    assert "required" not in dict(formfields.attributes(field("checkboxes")))  # no HTML group `required`


def test_names_are_unique_and_clear_of_the_forms_own() -> None:
    fields = [{"label": "Website"}, {"label": "Date of the party"}, {"label": "Website"}, {"label": "!!"}]
    assert formfields.names(fields) == ["f-website", "f-date-of-the-party", "f-website-2", "f-field"]
    assert [f["kind"] for f in formfields.default_fields(ask_phone=True)] == ["short", "email", "phone", "long"]


SAMPLES = ["anna@example.com", "anna@b", "a b@c.d", "+41 44 123 45 67", "(044) 123-45/67", "call me", "12", ""]


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_patterns_mean_the_same_in_a_browser() -> None:
    """A browser compiles `pattern` as ^(?:p)$ with the v flag; V8's RegExp here is the same engine."""
    patterns = {k: r.pattern for k, r in formfields.RULES.items() if r.pattern}
    script = (
        "const [p, s] = JSON.parse(process.argv[1]);"
        "console.log(JSON.stringify(Object.fromEntries(Object.entries(p).map(([k, v]) =>"
        " [k, s.map((x) => new RegExp(`^(?:${v})$`, 'v').test(x))]))))"
    )
    out = subprocess.run(
        ["node", "-e", script, json.dumps([patterns, SAMPLES])], capture_output=True, text=True, check=True
    )
    browser = json.loads(out.stdout)
    python = {k: [re.fullmatch(p, s) is not None for s in SAMPLES] for k, p in patterns.items()}
    assert browser == python
