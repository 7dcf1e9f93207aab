from billing.formencode import encode, pairs
from devstack.stripe import decode_form


def test_nested_objects_and_lists_use_brackets() -> None:
    params = {
        "mode": "subscription",
        "line_items": [{"price": "price_1", "quantity": 1}],
        "metadata": {"account_id": "acc_1"},
        "subscription_data": {"metadata": {"plan": "pro"}},
        "expand": ["customer", "subscription"],
    }
    assert pairs(params) == [
        ("mode", "subscription"),
        ("line_items[0][price]", "price_1"),
        ("line_items[0][quantity]", "1"),
        ("metadata[account_id]", "acc_1"),
        ("subscription_data[metadata][plan]", "pro"),
        ("expand[]", "customer"),
        ("expand[]", "subscription"),
    ]


def test_booleans_none_and_escaping() -> None:
    assert pairs({"a": True, "b": False, "c": None, "d": ""}) == [("a", "true"), ("b", "false"), ("d", "")]
    assert encode({"success_url": "https://x.test/b?checkout=success&x=1"}) == (
        "success_url=https%3A%2F%2Fx.test%2Fb%3Fcheckout%3Dsuccess%26x%3D1"
    )
    assert encode({"metadata": {"k": "é & ="}}) == "metadata%5Bk%5D=%C3%A9+%26+%3D"


def test_the_stand_in_reads_back_what_was_encoded() -> None:
    params = {
        "line_items": [{"price": "p1", "quantity": "1"}, {"price": "p2", "quantity": "3"}],
        "metadata": {"a": "1", "b": "x=y&z"},
        "expand": ["customer"],
    }
    assert decode_form(encode(params)) == params


def test_an_unsupported_value_is_refused() -> None:
    try:
        encode({"x": object()})
    except TypeError:
        return
    raise AssertionError("object() was encoded")
