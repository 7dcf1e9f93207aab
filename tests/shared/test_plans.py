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


def test_each_paid_plan_has_a_monthly_and_a_yearly_price() -> None:
    prices = plans.prices()
    assert set(prices) == {(p.id, i) for p in plans.PLANS if p.monthly_price_eur for i in plans.INTERVALS}
    for plan in (plans.STARTER, plans.PRO):
        assert 0 < plan.yearly_price_eur < 12 * plan.monthly_price_eur  # paying yearly costs less
        assert plans.price_of(prices[(plan.id, "year")]) == (plan, "year")
        assert plans.price_of(prices[(plan.id, "month")]) == (plan, "month")
    overridden = plans.prices("pro=price_m, pro:year=price_y, starter:month=price_s")
    assert (overridden[("pro", "month")], overridden[("pro", "year")]) == ("price_m", "price_y")
    assert overridden[("starter", "month")] == "price_s"
    assert plans.price_of("price_y", "pro:year=price_y") == (plans.PRO, "year")
    assert plans.price_of(plans.PRO.default_yearly_price_id or "", "pro:year=price_y") is None  # replaced


def test_limits_are_sentences_a_shop_owner_reads() -> None:
    assert plans.STARTER.limits() == [
        "1 website",
        "up to 10 pages",
        "your own domain",
        "contact forms that send you enquiries",
        "a small SmartPages badge on your site",
        "the last 5 published versions kept",
        "200 MB for your pictures",
        "Insights: your visitors, pages and enquiries",
        "1 team member to help you edit",
    ]
    assert "up to 5 team members to help you edit" in plans.PRO.limits()
    assert "just you, no team members" in plans.FREE.limits()
    assert "the SmartPages badge removed" in plans.PRO.limits()
    assert "up to 5 websites" in plans.PRO.limits()
    for plan in plans.PLANS:
        lines = plan.limits()
        assert len(lines) == len(plans.FEATURES)  # one sentence per entitlement
        assert plan.public()["limits"] == lines
        for line in lines:
            assert "_" not in line
            assert not line.endswith((": no", ": yes", "False", "True"))


@pytest.mark.parametrize(
    "override",
    ["free=price_x", "pro=notaprice", "pro", "gold=price_1", "pro:week=price_x", "pro=price_a,starter=price_a"],
)
def test_bad_price_overrides_are_refused(override: str) -> None:
    with pytest.raises(ValueError, match="STRIPE_PRICES"):
        plans.price_ids(override)
