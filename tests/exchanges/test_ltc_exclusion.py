"""Long-term care insurance and the city's care subsidy: a person LTC pays for home care in a month is
not paid the subsidy for that month; the run leaves them out and says why; nothing changes until the
settlement list is confirmed; a subsidy already paid for that month is listed for recovery."""

import datetime as dt
from decimal import Decimal

import pytest

from yanglao.benefits import services as benefit_services
from yanglao.benefits.models import Entitlement, RunChange
from yanglao.exchanges import selectors, services
from yanglao.exchanges.models import ExchangeRun, LtcSettlementRow

from .conftest import JUNE, MAY, xlsx

HEADER = ["姓名", "身份证号码", "结算月份", "护理方式", "失能等级", "服务天数", "基金支付金额", "定点护理机构"]


def settle(by, month, rows, name="长护险结算.xlsx"):
    return services.ltc_settlement_import(by=by, month=month, filename=name, content=xlsx(HEADER, rows),
                                          today=dt.date(2026, 11, 29))


def lines(run):
    return {e.person_id: e for e in Entitlement.objects.filter(run=run)}


@pytest.fixture
def offset(city_admin, care_subsidy):
    return services.ltc_offset_add(by=city_admin, programme=care_subsidy, valid_from=dt.date(2025, 1, 1),
                                   basis="阳医保〔2025〕演示1号：长护险居家护理与护理补贴不重复享受")


def test_a_person_ltc_pays_for_home_care_is_not_paid_the_care_subsidy_that_month_and_the_run_says_why(
        city_admin, city_checker, care_subsidy, offset, older, run_month, new_person):
    home = older("19400101", name="黄秀英")
    in_care = older("19400202", name="李桂芳")
    other = older("19400303", name="陈国强")
    from tests.conftest import make_id

    home_id, care_id = make_id(birth="19400101", seq="501"), make_id(birth="19400202", seq="502")
    may = run_month(city_admin, care_subsidy, MAY)
    assert {home.pk, in_care.pk, other.pk} <= set(lines(may))
    benefit_services.run_approve(by=city_checker, run=may)

    s = settle(city_admin, JUNE, [("黄秀英", home_id, "2026-06", "居家护理", "重度失能Ⅰ级", 30, "1200.00", "康乐护理站"),
                                  ("李桂芳", care_id, "2026-06", "机构护理", "重度失能Ⅱ级", 30, "1800.00", "社会福利中心")])
    assert s.matched == 2 and s.bad == 0
    # imported, not confirmed: nothing changes
    june = run_month(city_admin, care_subsidy, JUNE)
    assert home.pk in lines(june)
    benefit_services.run_cancel(by=city_admin, run=june)

    assert services.ltc_settlement_confirm(by=city_admin, settlement=s) == 1
    june = run_month(city_admin, care_subsidy, JUNE)
    paid = lines(june)
    assert home.pk not in paid  # LTC pays their home care in June
    assert in_care.pk in paid and other.pk in paid  # institutional LTC care is not the subsidy's care at home
    stop = RunChange.objects.get(run=june, person=home)
    assert stop.reason == "ltc_home_care" and "长期护理保险居家护理" in stop.reason_label
    assert stop.previous_amount == Decimal("200.00")
    # the LTC page lists who is left out of which programme that month, with the amount not paid
    (programme, rows), = selectors.ltc_offsets(city_admin, JUNE)
    assert programme == care_subsidy and [(r.person_id, r.amount) for r in rows] == [(home.pk, Decimal("200.00"))]
    # May (before LTC) stays paid; the exchange log has the import and the confirmation
    assert home.pk in lines(may)
    assert list(ExchangeRun.objects.filter(exchange__code="ltc-settlement").values_list("event", flat=True)
                ) == ["confirm", "import"]


def test_a_home_care_benefit_excludes_the_month_before_the_settlement_list_arrives(
        city_admin, jiangcheng, care_subsidy, offset, older, run_month):
    p = older("19400101")
    services.ltc_benefit_add(by=jiangcheng, person=p, data={"level": 3, "setting": "home", "from_month": JUNE,
                                                           "status": "active"})
    assert p.pk in lines(run_month(city_admin, care_subsidy, MAY))
    assert p.pk not in lines(run_month(city_admin, care_subsidy, JUNE))


def test_without_an_offset_rule_the_programme_pays_as_before(city_admin, jiangcheng, care_subsidy, older, run_month):
    p = older("19400101")
    services.ltc_benefit_add(by=jiangcheng, person=p, data={"level": 3, "setting": "home", "from_month": MAY})
    assert p.pk in lines(run_month(city_admin, care_subsidy, MAY))


def test_a_settlement_for_a_month_already_paid_lists_the_subsidy_to_recover(
        city_admin, city_checker, care_subsidy, offset, older, run_month):
    from tests.conftest import make_id

    p = older("19400101", name="黄秀英")
    may = run_month(city_admin, care_subsidy, MAY)
    benefit_services.run_approve(by=city_checker, run=may)
    s = settle(city_admin, MAY, [("黄秀英", make_id(birth="19400101", seq="501"), "2026-05", "居家", "", 31, "900", "")])
    assert s.already_paid == 1
    row = LtcSettlementRow.objects.get(settlement=s, person=p)
    assert "护理补贴" in row.already_paid and "200.00" in row.already_paid
