import json

from shared.app import App
from shared.errors import HttpError
from shared.http import Request, Response


def make_app(clock, crypto, dispatch, logs: list[str]) -> App:
    return App(
        "test", dispatch, clock, crypto, response_headers=[("x-frame", "deny")], log=logs.append, max_body_bytes=10
    )


async def test_unexpected_exception_is_a_json_500_without_traceback(clock, crypto) -> None:
    async def boom(request: Request) -> Response:
        raise ValueError("secret detail")

    logs: list[str] = []
    response = await make_app(clock, crypto, boom, logs).handle(Request("GET", "/"))
    assert response.status == 500
    error = response.json()["error"]
    assert error["code"] == "internal_error"
    assert b"secret detail" not in response.body
    assert b"Traceback" not in response.body
    assert error["request_id"] == response.header("x-request-id")
    # The traceback and the request id are in the log, for whoever runs the worker.
    assert any("secret detail" in line and error["request_id"] in line for line in logs)


async def test_every_response_has_a_request_id_that_the_log_line_carries(clock, crypto) -> None:
    async def ok(request: Request) -> Response:
        return Response(204)

    logs: list[str] = []
    response = await make_app(clock, crypto, ok, logs).handle(Request("GET", "/x"))
    line = json.loads(logs[-1])
    assert line["request_id"] == response.header("x-request-id") != ""
    assert (line["status"], line["path"]) == (204, "/x")
    assert response.header("x-frame") == "deny"


async def test_a_callers_well_formed_request_id_is_kept(clock, crypto) -> None:
    async def ok(request: Request) -> Response:
        return Response(200, [], request.header("x-request-id").encode())

    app = make_app(clock, crypto, ok, [])
    kept = await app.handle(Request("GET", "/", headers={"x-request-id": "abcdef0123456789"}))
    assert kept.body == b"abcdef0123456789"
    replaced = await app.handle(Request("GET", "/", headers={"x-request-id": "bad id\nwith newline"}))
    assert replaced.body != b"bad id\nwith newline"


async def test_body_over_the_limit_is_413_before_the_handler_runs(clock, crypto) -> None:
    called = []

    async def handler(request: Request) -> Response:
        called.append(request)
        return Response(200)

    app = make_app(clock, crypto, handler, [])
    too_long = await app.handle(Request("POST", "/", body=b"x" * 11))
    declared = await app.handle(Request("POST", "/", headers={"content-length": "999"}, body=b""))
    assert (too_long.status, declared.status) == (413, 413)
    assert too_long.json()["error"]["code"] == "body_too_large"
    assert called == []


async def test_http_errors_keep_their_headers_and_head_has_no_body(clock, crypto) -> None:
    async def refuse(request: Request) -> Response:
        raise HttpError(405, "method_not_allowed", "no", [("allow", "GET")])

    app = make_app(clock, crypto, refuse, [])
    response = await app.handle(Request("HEAD", "/"))
    assert (response.status, response.header("allow"), response.body) == (405, "GET", b"")


async def test_an_app_that_logs_errors_only_writes_no_line_for_a_success(clock, crypto) -> None:
    async def answer(request: Request) -> Response:
        if request.path == "/missing":
            raise HttpError(404, "not_found", "No such page.")
        return Response(200, [], b"page")

    logs: list[str] = []
    app = make_app(clock, crypto, answer, logs)
    app.log_errors_only = True
    ok = await app.handle(Request("GET", "/"))
    assert (ok.status, logs) == (200, [])
    assert ok.header("x-request-id")  # the answer still carries its id
    missing = await app.handle(Request("GET", "/missing"))
    assert json.loads(logs[-1])["request_id"] == missing.header("x-request-id")
    assert json.loads(logs[-1])["error"] == "not_found"


async def test_a_business_refusal_is_told_in_http_in_one_place(clock, crypto) -> None:
    from shared.errors import STATUS, Conflict, Refused, TooMany

    async def taken(request: Request) -> Response:
        raise Conflict("email_taken", "Another account already uses this email.", {"field": "new_email"})

    async def later(request: Request) -> Response:
        raise TooMany("too_many_requests", "Try again in a minute.", retry_after=60)

    response = await make_app(clock, crypto, taken, []).handle(Request("POST", "/"))
    error = response.json()["error"]
    assert (response.status, error["code"], error["field"]) == (409, "email_taken", "new_email")
    response = await make_app(clock, crypto, later, []).handle(Request("POST", "/"))
    assert (response.status, response.header("retry-after")) == (429, "60")
    # Every kind of refusal has its status in the one table.
    assert set(STATUS) == set(Refused.__subclasses__())
