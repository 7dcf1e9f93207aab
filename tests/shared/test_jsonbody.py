import pytest

from shared.errors import HttpError
from shared.http import Request
from shared.jsonbody import read_json_object


def post(body: bytes, ctype: str = "application/json") -> Request:
    return Request("POST", "/x", headers={"content-type": ctype}, body=body)


def test_reads_an_object() -> None:
    assert read_json_object(post(b'{"a": 1}')) == {"a": 1}


def test_malformed_json_says_where() -> None:
    with pytest.raises(HttpError) as caught:
        read_json_object(post(b'{"a": }'))
    assert (caught.value.status, caught.value.code) == (400, "invalid_json")
    assert "line 1, column 7" in caught.value.message


@pytest.mark.parametrize("body", [b"[1]", b'"text"', b"\xff\xfe"])
def test_non_objects_and_bad_encodings_are_400(body: bytes) -> None:
    with pytest.raises(HttpError) as caught:
        read_json_object(post(body))
    assert caught.value.status == 400


def test_other_media_types_are_415() -> None:
    with pytest.raises(HttpError) as caught:
        read_json_object(post(b"a=1", "application/x-www-form-urlencoded"))
    assert caught.value.status == 415


def test_a_deeply_nested_body_is_400_naming_the_limit() -> None:
    with pytest.raises(HttpError) as caught:
        read_json_object(post(b"[" * 5000 + b"]" * 5000))
    assert (caught.value.status, caught.value.code) == (400, "invalid_json")
    assert caught.value.message == "The body is JSON nested deeper than 64 levels."
