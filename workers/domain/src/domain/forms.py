"""A published lead form posted to the site's own host (issue 27.1): `POST /_smartpages/forms/<block>`.

Domain holds no data: it finds the host's site in its live pointer, and forwards the post to customer
over the CUSTOMER service binding (`/internal/forms/<site>/<block>`, signed as domain with
INTERNAL_SECRET, the host the visitor used in `x-smartpages-site-host`). Customer stores the lead and
answers a 303 to the page's thank-you, or the site's page with the form filled back in; domain adds
the site's own headers (its CSP, HSTS) and `no-store`. An error customer answers in JSON (no such
form) becomes domain's own page for visitors."""

from __future__ import annotations

import re

from domain.delivery import site_headers
from domain.hosts import Live
from shared import hostnames, internal_auth, jsontext
from shared.app import REQUEST_ID_HEADER
from shared.errors import HttpError
from shared.http import Request, Response
from shared.ports import Clock, Crypto, Service
from shared.site_layout import FORM_PREFIX, SITE_HOST_HEADER, forwarded_form_path

MAX_BYTES = 64 * 1024  # a form of a few fields; a message is at most 5,000 characters
_BLOCK = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_PASSED = ("content-type", "cf-connecting-ip", REQUEST_ID_HEADER)
_KEPT = ("content-type", "location", "retry-after")


def block_of(path: str) -> str | None:
    """The block id of a form post's path, or None when `path` is not one."""
    if not path.startswith(FORM_PREFIX):
        return None
    block = path[len(FORM_PREFIX) :]
    return block if _BLOCK.match(block) else ""


async def forward(
    customer: Service | None, secret: str, crypto: Crypto, clock: Clock, host: str, live: Live, request: Request
) -> Response:
    block = block_of(request.path)
    if not block:
        raise HttpError(404, "form_not_found", "This form does not exist (any more).")
    if request.method != "POST":
        raise HttpError(405, "method_not_allowed", "A form is sent with POST.", [("allow", "POST")])
    if hostnames.is_preview(host):
        raise HttpError(404, "form_not_found", "This is a preview: the form works on the published site.")
    length = request.header("content-length")
    if len(request.body) > MAX_BYTES or (length.isdigit() and int(length) > MAX_BYTES):
        raise HttpError(413, "body_too_large", "The message is too long to send. Please shorten it.")
    if customer is None or not secret:
        raise HttpError(502, "bad_gateway", "The form cannot be sent just now. Please try again later.")
    headers = {name: request.header(name) for name in _PASSED if request.header(name)}
    path, headers[SITE_HOST_HEADER] = forwarded_form_path(live.site, block), host
    outgoing = Request("POST", path, "", headers, request.body)
    identity = internal_auth.Identity(caller="domain")
    answer = await customer.fetch(await internal_auth.signed(crypto, clock, secret, outgoing, identity))
    if answer.status >= 400 and answer.header("content-type").startswith("application/json"):
        raise _as_error(answer)
    kept = [(name, value) for name, value in answer.headers if name.lower() in _KEPT]
    return Response(answer.status, [*kept, ("cache-control", "no-store"), *site_headers(live)], answer.body)


def _as_error(answer: Response) -> HttpError:
    """Customer's JSON error as domain's page for visitors (its words, never its details)."""
    try:
        error = jsontext.loads(answer.body)["error"]
        code, message = str(error["code"]), str(error["message"])
    except (ValueError, KeyError, TypeError):
        code, message = "bad_gateway", "The form could not be sent. Please try again later."
    status = answer.status if answer.status < 500 else 502
    return HttpError(status, code, message)
