"""The one error shape every SmartPages API answers with: {"error": {"code", "message", "request_id"}}."""

from __future__ import annotations

from typing import Any

from shared.http import Response, json_response


class HttpError(Exception):
    """Raised anywhere in an app core; the app turns it into a JSON error response."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: list[tuple[str, str]] | None = None,
        details: dict[str, Any] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or []
        self.details = details or {}  # extra fields in the error object, e.g. which plan unlocks it


class Refused(Exception):
    """A business rule's "no", in the domain's words: a stable `code` the portal maps to its own
    words, a plain `message`, and, by its class, what kind of no it is. Business modules raise these
    and never choose an HTTP status: `as_http` (called by shared/app.py, the one place) does."""

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None, retry_after: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}
        self.retry_after = retry_after  # seconds, when trying again later will work


class Invalid(Refused):
    """The values given cannot be used."""


class Unauthenticated(Refused):
    """Nobody is signed in, or the credentials are not right."""


class Forbidden(Refused):
    """The caller may not do this."""


class NotFound(Refused):
    """No such thing (or not the caller's)."""


class Conflict(Refused):
    """The state of things does not allow it now."""


class TooMany(Refused):
    """Asked too often: try again later."""


class Unavailable(Refused):
    """A service this needs is not set up or is busy."""


class UpstreamFailed(Refused):
    """A service this needs failed or refused."""


class UpstreamTimeout(Refused):
    """A service this needs did not answer in time."""


# The one mapping from a kind of no to HTTP.
STATUS: dict[type[Refused], int] = {
    Invalid: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    TooMany: 429,
    UpstreamFailed: 502,
    Unavailable: 503,
    UpstreamTimeout: 504,
}


def as_http(refused: Refused) -> HttpError:
    status = next(code for kind, code in STATUS.items() if isinstance(refused, kind))
    headers = [("retry-after", str(refused.retry_after))] if refused.retry_after is not None else []
    return HttpError(status, refused.code, refused.message, headers, refused.details)


def error_response(error: HttpError, request_id: str) -> Response:
    payload = {"error": {**error.details, "code": error.code, "message": error.message, "request_id": request_id}}
    return json_response(payload, error.status, error.headers)
