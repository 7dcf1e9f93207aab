import pytest

from shared import plans


def test_plans_are_cheapest_first_and_each_unlocks_at_least_as_much() -> None:
    prices = [p.monthly_price_eur for p in plans.PLANS]
    assert prices == sorted(prices)
    for cheaper, dearer in zip(plans.PLANS, plans.PLANS[1:], strict=False):
        for feature in plans.FEATURES:
            assert getattr(dearer.entitlements, feature) >= getattr(cheaper.entitlements, feature), feature


def test_unknown_plan_ids_fall_back_to_free() -> None:
    assert plans.get("enterprise-hack") is plans.FREE
    assert plans.get(None) is plans.FREE


def test_cheapest_plan_for_a_feature() -> None:
    assert plans.cheapest_with("custom_domains") is plans.STARTER
    assert plans.cheapest_with("remove_badge") is plans.PRO


def test_price_ids_can_be_overridden_per_deployment() -> None:
    assert plans.price_ids()["pro"] == "price_smartpages_pro"
    overridden = plans.price_ids("pro=price_live_123, starter=price_live_9")
    assert overridden == {"starter": "price_live_9", "pro": "price_live_123"}
    assert plans.plan_for_price("price_live_123", "pro=price_live_123") is plans.PRO
    assert plans.plan_for_price("price_unknown") is None


@pytest.mark.parametrize("override", ["free=price_x", "pro=notaprice", "pro", "gold=price_1"])
def test_bad_price_overrides_are_refused(override: str) -> None:
    with pytest.raises(ValueError, match="STRIPE_PRICES"):
        plans.price_ids(override)
