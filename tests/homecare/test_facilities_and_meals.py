"""Facilities and coverage figures computed from the records; meals with the subsidy at the counter and a
receipt with subsidy, paid amount and balance."""

import datetime as dt

import pytest

from yanglao.core.errors import Conflict, ValidationFailed
from yanglao.core.models import Division
from yanglao.core.testing import page_client
from yanglao.homecare import selectors, services

NANEN = "441702001"


def _facility(by, **data):
    base = {"name": "设施", "kind": "day_care", "functions": [], "division_code": "441702001001", "address": "",
            "hours": "8:00-17:30", "capacity": 30, "beds": 0, "operator_name": "康乐", "latitude": None,
            "longitude": None, "meal_item": None}
    served = data.pop("served", [])
    return services.facility_save(by=by, data=base | data, served=served)


def test_coverage_per_township_comes_from_the_records(jiangcheng):
    communities = list(Division.objects.filter(parent_id=NANEN, level=5).values_list("code", "urban_rural"))
    urban = [c for c, ur in communities if ur == "urban"]
    total_before, rows = selectors.coverage(jiangcheng)
    nanen = next(r for r in rows if r.code == NANEN)
    assert nanen.is_street and nanen.needs_centre and not nanen.has_centre and nanen.urban_covered == 0
    _facility(jiangcheng, name="南恩街道综合养老服务中心", kind="centre",
              functions=["full_care", "day_care", "home_visit", "guidance"], served=urban[:2])
    total, rows = selectors.coverage(jiangcheng)
    nanen = next(r for r in rows if r.code == NANEN)
    assert nanen.has_centre
    covered = {urban[0], urban[1], "441702001001"}
    assert nanen.urban_covered == len(covered) and nanen.day_care_covered == len(covered)
    assert nanen.urban_pct == round(100 * len(covered) / len(urban), 1)
    assert total.urban_covered == total_before.urban_covered + len(covered)
    assert NANEN not in [r.code for r in selectors.centres_missing(rows)]


def test_meal_point_without_day_care_covers_but_not_for_day_care(jiangcheng):
    _facility(jiangcheng, name="北门长者饭堂", kind="canteen", functions=["meals"])
    _total, rows = selectors.coverage(jiangcheng)
    nanen = next(r for r in rows if r.code == NANEN)
    assert nanen.urban_covered == 1 and nanen.day_care_covered == 0


def test_coverage_page_shows_township_figures(jiangcheng):
    page = page_client(jiangcheng).get("/homecare/coverage/").content.decode()
    assert "南恩街道" in page and "应建未建" in page


@pytest.fixture
def canteen(jiangcheng, programme):
    item = services.item_create(by=jiangcheng, data={"code": "ZC-01", "name": "长者午餐", "kind": "meal", "unit": "meal",
                                                     "price_fen": 1200, "valid_from": dt.date(2026, 1, 1)})
    services.item_publish(by=jiangcheng, item=item, published=True)
    services.rule_create(by=jiangcheng, item=item, data={"programme": programme, "category": "tekun",
                                                         "subsidy_fen": 800, "valid_from": dt.date(2026, 1, 1)})
    return _facility(jiangcheng, name="北门长者饭堂", kind="canteen", functions=["meals"], meal_item=item)


def test_meal_subsidy_applied_at_the_counter_with_receipt(canteen, person, community_worker):
    services.meal_topup(by=community_worker, person=person, amount_fen=5000)
    today = dt.date.today()
    meal = services.meal_serve(by=community_worker, facility=canteen, person=person, day=today, meal="lunch",
                               pay_method="balance")
    assert (meal.price_fen, meal.subsidy_fen, meal.paid_fen, meal.balance_after_fen) == (1200, 800, 400, 4600)
    page = page_client(community_worker).get(f"/homecare/meals/{meal.pk}/").content.decode()
    assert "-¥8.00" in page and "¥4.00" in page and "¥46.00" in page
    with pytest.raises(Conflict):
        services.meal_serve(by=community_worker, facility=canteen, person=person, day=today, meal="lunch",
                            pay_method="cash")
    figures = selectors.meal_month_figures(community_worker, today.replace(day=1))
    assert figures[0]["meals"] == 1 and figures[0]["subsidy"] == 800


def test_meal_with_short_balance_is_refused(canteen, new_person, community_worker):
    p = new_person(name="李伯")
    with pytest.raises(ValidationFailed, match="餐卡余额不足"):
        services.meal_serve(by=community_worker, facility=canteen, person=p, day=dt.date.today(), meal="lunch",
                            pay_method="balance")
    meal = services.meal_serve(by=community_worker, facility=canteen, person=p, day=dt.date.today(), meal="lunch",
                               pay_method="cash")
    assert (meal.subsidy_fen, meal.paid_fen, meal.balance_after_fen) == (0, 1200, None)
