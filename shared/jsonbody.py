"""Reading a JSON request body with errors that say what is wrong."""

from __future__ import annotations

import json
from typing import Any

from shared import jsontext
from shared.errors import HttpError
from shared.http import Request


def read_json_object(request: Request) -> dict[str, Any]:
    ctype = request.header("content-type").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise HttpError(415, "unsupported_media_type", "Send the body as application/json.")
    try:
        data = jsontext.loads(request.body)
    except UnicodeDecodeError:
        raise HttpError(400, "invalid_json", "The body is not UTF-8.") from None
    except jsontext.TooDeep as exc:
        raise HttpError(400, "invalid_json", f"The body is {exc}.") from None
    except json.JSONDecodeError as exc:
        raise HttpError(
            400, "invalid_json", f"Malformed JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        ) from None
    if not isinstance(data, dict):
        raise HttpError(400, "invalid_json", "The body must be a JSON object.")
    return data
