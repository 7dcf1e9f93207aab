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


def error_response(error: HttpError, request_id: str) -> Response:
    payload = {"error": {**error.details, "code": error.code, "message": error.message, "request_id": request_id}}
    return json_response(payload, error.status, error.headers)
