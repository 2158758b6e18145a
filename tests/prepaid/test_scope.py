"""Jurisdiction: a county sees its homes' prepaid records, another county sees none of them (404 on details);
an institution operator sees its own organisation's home only."""

import datetime as dt

import pytest

from yanglao.core.errors import NotFound
from yanglao.core.testing import assert_jurisdiction_scoped, page_client
from yanglao.prepaid import services, statements
from yanglao.prepaid.models import ReconciliationCase, RiskWarning

from .conftest import TODAY, collect


@pytest.fixture
def record(jiangcheng, make_home, make_resident, operator_org):
    home = make_home(name="阳江颐康护养院", operator_org=operator_org)
    acc = make_resident(home, name="黄秀英")
    collect(jiangcheng, acc, "deposit", "6000", "S-1")
    last = services.month_start(services.month_start(TODAY) - dt.timedelta(days=1))
    imp = statements.statement_upload(by=jiangcheng, filename="s.csv",
                                      content=f"存管账号,余额日期,期末余额\n{home.custody_account},{last:%Y-%m}-28,100\n".encode())
    statements.statement_confirm(by=jiangcheng, imp=imp)
    services.raise_warning(home=home, kind="growth", ref="t", detail="测试预警颐康", day=TODAY)
    return home, acc, imp


def test_prepaid_pages_are_scoped_to_the_county(record):
    home, acc, imp = record
    case = ReconciliationCase.objects.get()
    assert_jurisdiction_scoped(division_code=home.division_code, api=False, list_url="/prepaid/", marker="阳江颐康护养院",
                               detail_url=f"/prepaid/homes/{home.pk}/",
                               extra_get_urls=(f"/prepaid/accounts/{acc.pk}/", f"/prepaid/cases/{case.pk}/",
                                               f"/prepaid/statements/{imp.pk}/", f"/prepaid/accounts/{acc.pk}/entry/"))
    assert_jurisdiction_scoped(division_code=home.division_code, api=False, list_url="/prepaid/warnings/",
                               marker="测试预警颐康")
    assert_jurisdiction_scoped(division_code=home.division_code, api=False, list_url="/prepaid/cases/",
                               marker="阳江颐康护养院")


def test_an_operator_files_for_its_own_home_only(record, operator, make_home, make_resident, jiangcheng):
    home, acc, _imp = record
    other = make_home(name="阳江福寿园")
    other_acc = make_resident(other, name="李桂芳")
    client = page_client(operator)
    assert client.get(f"/prepaid/homes/{home.pk}/").status_code == 200
    assert client.get(f"/prepaid/homes/{other.pk}/").status_code == 404
    assert client.get(f"/prepaid/accounts/{other_acc.pk}/").status_code == 404
    assert "阳江福寿园" not in client.get("/prepaid/").content.decode()
    assert client.get("/prepaid/statements/").status_code == 403  # reconciliation is the county's
    collect(operator, acc, "bed", "2000", "OP-1")
    with pytest.raises(NotFound):
        collect(operator, other_acc, "bed", "2000", "OP-2")
    assert RiskWarning.objects.filter(home=home).count() == 1
