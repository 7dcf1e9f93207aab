"""Cross-site request forgery: an unsafe method from another origin is refused with 403.

Browsers send Origin on every unsafe cross-origin request and Sec-Fetch-Site on every request, so
either one from elsewhere is enough to refuse. Requests with neither (curl, server-to-server
webhooks) carry no ambient cookie risk from a browser and pass."""

from __future__ import annotations

from shared.errors import HttpError
from shared.http import Request

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_SAME = frozenset({"same-origin", "none"})


def check(request: Request, portal_origin: str) -> None:
    if request.method in SAFE_METHODS:
        return
    origin = request.header("origin")
    site = request.header("sec-fetch-site")
    if (origin and origin != portal_origin) or (site and site not in _SAME):
        raise HttpError(403, "cross_origin_refused", "This request came from another site and was refused.")
