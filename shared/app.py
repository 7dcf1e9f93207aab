"""The request pipeline every worker's app core runs: request id, body limit, routing, errors, log line.

An unexpected exception becomes a 500 with a request id; its traceback goes to the log, never to the
client. An outbound call past its deadline (shared.deadline) becomes a 504."""

from __future__ import annotations

import json
import re
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from shared.deadline import DeadlineExceeded
from shared.errors import HttpError, Refused, as_http, error_response
from shared.http import Request, Response
from shared.log import context, write
from shared.ports import Clock, Crypto

REQUEST_ID_HEADER = "x-request-id"
MAX_BODY_BYTES = 1024 * 1024
_GOOD_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")

Handle = Callable[[Request], Awaitable[Response]]
ErrorRenderer = Callable[[HttpError, str], Response]


@dataclass
class App:
    """Wraps a handler with what every response needs. `handle` is the app core's one entry point."""

    worker: str
    dispatch: Handle
    clock: Clock
    crypto: Crypto
    render_error: ErrorRenderer = error_response
    max_body_bytes: int = MAX_BODY_BYTES
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    log: Callable[[str], None] = write
    log_errors_only: bool = False  # True: the log line only for answers of 400 and above

    def new_request_id(self, request: Request) -> str:
        # Keep the caller's id when it looks like one of ours, so one request is one id across workers.
        given = request.header(REQUEST_ID_HEADER)
        return given if _GOOD_ID.match(given) else self.crypto.random_bytes(12).hex()

    async def handle(self, request: Request) -> Response:
        started = self.clock.now()
        request_id = self.new_request_id(request)
        request = request.replace(headers={**request.headers, REQUEST_ID_HEADER: request_id})
        with context(self.worker, request_id):  # what the handlers log carries this request's id
            return await self._handle(request, request_id, started)

    async def _handle(self, request: Request, request_id: str, started: float) -> Response:
        error_code = ""
        try:
            self.check_body_size(request)
            response = await self.dispatch(request)
        except (HttpError, Refused) as exc:
            error = exc if isinstance(exc, HttpError) else as_http(exc)  # a business "no", told in HTTP here
            error_code = error.code
            response = self.render_error(error, request_id)
        except DeadlineExceeded as exc:
            error_code = "upstream_timeout"
            self.log(json.dumps({"worker": self.worker, "request_id": request_id, "timeout": str(exc)}))
            response = self.render_error(
                HttpError(504, error_code, "A service we depend on did not answer in time; try again in a minute."),
                request_id,
            )
        except Exception:
            error_code = "internal_error"
            self.log(json.dumps({"worker": self.worker, "request_id": request_id, "traceback": traceback.format_exc()}))
            response = self.render_error(
                HttpError(500, "internal_error", "Something went wrong on our side."), request_id
            )
        response = response.with_headers([(REQUEST_ID_HEADER, request_id), *self.response_headers])
        if request.method == "HEAD":
            response = Response(response.status, response.headers, b"")
        if self.log_errors_only and response.status < 400:
            return response
        self.log(
            json.dumps(
                {
                    "worker": self.worker,
                    "request_id": request_id,
                    "method": request.method,
                    "path": request.path,
                    "status": response.status,
                    "ms": round((self.clock.now() - started) * 1000, 1),
                    **({"error": error_code} if error_code else {}),
                }
            )
        )
        return response

    def check_body_size(self, request: Request) -> None:
        declared = request.header("content-length")
        too_big = len(request.body) > self.max_body_bytes or (
            declared.isdigit() and int(declared) > self.max_body_bytes
        )
        if too_big:
            raise HttpError(413, "body_too_large", f"The request body is over {self.max_body_bytes} bytes.")
