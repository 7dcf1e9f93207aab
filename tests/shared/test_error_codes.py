"""The table of error codes (shared/error_codes.py) is the codes the workers answer with: each one
raised somewhere is listed, and each one listed is raised somewhere."""

import re
from pathlib import Path

from shared.error_codes import ERROR_CODES

ROOT = Path(__file__).resolve().parents[2]
KINDS = "Invalid|Unauthenticated|Forbidden|NotFound|Conflict|TooMany|Unavailable|UpstreamFailed|UpstreamTimeout"
RAISED = (
    re.compile(r"HttpError\(\s*\d{3},\s*\"([a-z_]+)\""),  # HttpError(404, "not_found", …)
    re.compile(rf"\b(?:{KINDS})\(\s*\"([a-z_]+)\""),  # NotFound("session_not_found", …)
    re.compile(r"\bcode=\"([a-z_]+)\""),  # invalid(…, code="invalid_address")
    re.compile(
        r"\binvalid\([^,]+, f?\"[^\"]*\", \"[a-z_]+\", \"([a-z_]+)\""
    ),  # invalid(path, message, reason, "invalid_data")
    re.compile(r"error_code = \"([a-z_]+)\""),  # shared/app.py's 504
)
NOT_RAISED_LITERALLY = {"checkout_not_found"}  # raised through a shared tuple (billing/subscribing.py)


def raised_codes() -> set[str]:
    sources = [*ROOT.glob("shared/**/*.py"), *ROOT.glob("workers/*/src/**/*.py")]
    found: set[str] = set()
    for path in sources:
        text = path.read_text()
        for pattern in RAISED:
            found.update(pattern.findall(text))
    return found


def test_every_code_raised_is_in_the_table_and_every_listed_one_is_raised() -> None:
    raised = raised_codes() | NOT_RAISED_LITERALLY
    assert sorted(raised - set(ERROR_CODES)) == []
    assert sorted(set(ERROR_CODES) - raised) == []
