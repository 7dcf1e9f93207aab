import pytest

from shared import attribution
from shared.errors import HttpError


def test_every_key_of_the_deep_link_is_kept() -> None:
    link = {key: "x" for key in attribution.KEYS}
    assert attribution.clean(link) == link
    assert attribution.clean(None) == {}
    assert attribution.clean({"utm_term": ""}) == {}


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ("x", "attribution"),
        ({"evil": "x"}, "attribution.evil"),
        ({"utm_source": 1}, "attribution.utm_source"),
        ({"ref": "x" * 201}, "attribution.ref"),
        ({"plan": "<b>"}, "attribution.plan"),
    ],
)
def test_bad_attribution_names_the_field(value: object, field: str) -> None:
    with pytest.raises(HttpError) as caught:
        attribution.clean(value)
    assert caught.value.status == 400
    assert caught.value.message.startswith(f"{field}:")


def test_the_landing_plan_does_not_collide_with_the_bought_plan_in_stripe_metadata() -> None:
    assert attribution.stripe_metadata({"plan": "pro", "utm_source": "hubspot"}) == {
        "entry_plan": "pro",
        "utm_source": "hubspot",
    }
