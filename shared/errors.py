"""The one error shape every SmartPages API answers with: {"error": {"code", "message", "request_id"}}."""

from __future__ import annotations

from shared.http import Response, json_response


class HttpError(Exception):
    """Raised anywhere in an app core; the app turns it into a JSON error response."""

    def __init__(self, status: int, code: str, message: str, headers: list[tuple[str, str]] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or []


def not_implemented(feature: str, issue: str) -> HttpError:
    """A feature a later issue fills: 501 with a code that says which."""
    return HttpError(
        501, f"{feature}_not_implemented", f"{feature.replace('_', ' ').capitalize()} is not built yet ({issue})."
    )


def error_response(
    status: int, code: str, message: str, request_id: str, headers: list[tuple[str, str]] | None = None
) -> Response:
    payload = {"error": {"code": code, "message": message, "request_id": request_id}}
    return json_response(payload, status, headers)
