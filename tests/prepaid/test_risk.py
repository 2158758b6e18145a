"""Risk warnings: money growing faster than residents, refunds late, membership fees at a public home,
a closing home still holding money, fund-raising complaints from the supervision module. A warning still
open is not raised twice; warnings are on the county's to-do list and in the dashboard figure."""

import datetime as dt
from decimal import Decimal

from yanglao.core.todos import todo_list
from yanglao.prepaid import risk, services
from yanglao.prepaid.models import MonthlyReport, PrepaidAccount, RiskWarning
from yanglao.prepaid.selectors import dashboard_figures

from .conftest import TODAY, collect

D = Decimal


def _month(n):
    m = services.month_start(TODAY)
    for _ in range(n):
        m = services.month_start(m - dt.timedelta(days=1))
    return m


def test_the_scan_raises_each_kind_once(jiangcheng, make_home, make_resident, city_admin):
    growth = make_home(name="阳江康乐颐养中心")
    for n, (balance, residents) in {4: ("100000", 10), 1: ("300000", 11)}.items():
        MonthlyReport.objects.create(home=growth, month=_month(n), reported_balance=D(balance), residents=residents,
                                     division_code=growth.division_code)
    late = make_resident(growth, name="朱亚珍")
    collect(jiangcheng, late, "deposit", "5000", "L1", on=TODAY - dt.timedelta(days=80))
    services.account_leave(by=jiangcheng, account=late, on=TODAY - dt.timedelta(days=45))  # term 30 days

    public = make_home(name="江城区社会福利中心", ownership="public", division="441702001001")
    member = make_resident(public, name="李桂芳")
    PrepaidAccount.objects.filter(pk=member.pk).update(bal_membership=D("20000"))  # collected before the rules

    from yanglao.supervision import services as sv
    from yanglao.supervision.models import Target

    growth.institution.credit_code = "12441702MB2C12345X"
    growth.institution.save()
    sv.refresh_targets(by=city_admin)
    sv.complaint_create(by=city_admin, category="fundraising", received_on=TODAY, channel="12345热线",
                        summary="推销“终身会员卡”返利", target=Target.objects.get(institution=growth.institution),
                        subject_name="", division_code=growth.division_code)

    assert risk.scan(TODAY) == 4
    kinds = set(RiskWarning.objects.values_list("kind", flat=True))
    assert kinds == {"growth", "refund_delay", "public_membership", "complaint"}
    assert "逾期15日" in RiskWarning.objects.get(kind="refund_delay").detail
    assert risk.scan(TODAY) == 0  # open warnings are not repeated
    assert {t.key: t for t in todo_list(jiangcheng)}["prepaid.warnings"].item.count == 4
    figures = dashboard_figures("441702")
    assert figures.open_warnings == 4 and figures.warnings_by_kind["complaint"] == 1
    assert dashboard_figures("441721").open_warnings == 0

    services.warning_handle(by=jiangcheng, warning=RiskWarning.objects.get(kind="growth"), note="已约谈机构负责人")
    assert risk.scan(TODAY) == 1  # the cause remains: raised again for the county
