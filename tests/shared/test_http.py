from shared.http import Request, Response, html_response, json_response


def test_request_reads_headers_case_insensitively_and_parses_query_and_cookies() -> None:
    request = Request("GET", "/x", "a=1&a=2&b=", {"cookie": "one=1; two=2; one=3", "x-thing": "v"})
    assert request.header("X-Thing") == "v"
    assert request.query_params == {"a": "1", "b": ""}
    assert request.cookies == {"one": "1", "two": "2"}
    assert request.url_path == "/x?a=1&a=2&b="


def test_with_headers_keeps_the_handlers_own_values_and_repeats() -> None:
    response = Response(200, [("set-cookie", "a=1"), ("set-cookie", "b=2"), ("x-a", "mine")])
    merged = response.with_headers([("x-a", "default"), ("x-b", "added")])
    assert merged.headers == [("set-cookie", "a=1"), ("set-cookie", "b=2"), ("x-a", "mine"), ("x-b", "added")]


def test_json_and_html_responses_set_content_type() -> None:
    assert json_response({"ü": 1}).body == '{"ü":1}'.encode()
    assert json_response({}).header("content-type") == "application/json"
    assert html_response("<p>").header("Content-Type") == "text/html; charset=utf-8"
