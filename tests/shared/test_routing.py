import pytest

from shared.errors import HttpError
from shared.http import Request, Response
from shared.routing import Call, Router


async def echo(c: Call) -> Response:
    return Response(200, [], repr(sorted(c.params.items())).encode())


@pytest.fixture
def router() -> Router:
    r = Router()
    r.add("GET", "/sites/{site_id}", echo)
    r.add("DELETE", "/sites/{site_id}", echo)
    r.add("GET", "/files/{rest*}", echo)
    return r


async def test_params_are_captured(router: Router) -> None:
    response = await router.dispatch(Request("GET", "/sites/abc"))
    assert response.body == b"[('site_id', 'abc')]"


async def test_rest_captures_the_remaining_path(router: Router) -> None:
    response = await router.dispatch(Request("GET", "/files/a/b/c.txt"))
    assert response.body == b"[('rest', 'a/b/c.txt')]"


async def test_unknown_path_is_404_with_a_stable_code(router: Router) -> None:
    with pytest.raises(HttpError) as caught:
        await router.dispatch(Request("GET", "/nothing"))
    assert (caught.value.status, caught.value.code) == (404, "not_found")


async def test_empty_segment_does_not_match_a_param(router: Router) -> None:
    with pytest.raises(HttpError) as caught:
        await router.dispatch(Request("GET", "/sites/"))
    assert caught.value.status == 404


async def test_wrong_method_is_405_with_allow(router: Router) -> None:
    with pytest.raises(HttpError) as caught:
        await router.dispatch(Request("POST", "/sites/abc"))
    assert caught.value.status == 405
    assert caught.value.headers == [("allow", "DELETE, GET, HEAD")]


async def test_head_is_served_by_the_get_route(router: Router) -> None:
    response = await router.dispatch(Request("HEAD", "/sites/x"))
    assert response.status == 200


async def test_the_handler_gets_the_identity_it_was_dispatched_with() -> None:
    from shared.internal_auth import Identity

    seen: list[Call] = []

    async def remember(c: Call) -> Response:
        seen.append(c)
        return Response(204)

    r = Router()
    r.add("GET", "/sites/{site_id}", remember)
    await r.dispatch(Request("GET", "/sites/s1"), Identity(account_id="acct_1"))
    await r.dispatch(Request("GET", "/sites/s2"))
    assert [(c.params, c.identity.account_id) for c in seen] == [
        ({"site_id": "s1"}, "acct_1"),
        ({"site_id": "s2"}, None),
    ]
