"""系统管理 in a real browser: 账户管理 (create, confirm a disable) and 字典管理 (add a value), desktop and phone."""

import pytest

from yanglao.core.models import User
from yanglao.core.roles import Role
from yanglao.core.testing import PASSWORD, make_user

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits_the_phone(page) -> bool:  # type: ignore[no-untyped-def]
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_the_city_administrator_creates_and_disables_an_account(live_server, page, shot):
    make_user(Role.CITY_ADMIN, "4417", username="city", real_name="陈志明")
    for n in range(3):
        make_user(Role.COMMUNITY_WORKER, "441702001001", username=f"beimen{n}", real_name=f"北门社工{n}")
    login(page, live_server, "city", PASSWORD)
    page.wait_for_selector("[data-testid=user-name]")
    page.click("[data-nav=accounts]")
    page.wait_for_selector("[data-testid=account-table]")
    assert "共 4 条" in page.content()
    shot("accounts-01-list")
    page.click("[data-testid=account-new]")
    page.fill("#id_username", "nanen2")
    page.fill("#id_real_name", "梁小红")
    page.select_option("#id_role", Role.TOWNSHIP_STAFF)
    page.fill("#id_division", "南恩")
    option = page.locator(".picker-results li", has_text="南恩街道").first
    option.wait_for()
    option.click()
    page.fill("#id_password", "Temp-Passw0rd!9")
    shot("accounts-02-form")
    page.click("[data-testid=account-save]")
    page.wait_for_selector("[data-testid=account-nanen2]")
    assert User.objects.get(username="nanen2").must_change_password
    page.click("[data-testid=account-beimen1] >> text=停用")
    page.wait_for_selector("[data-testid=confirm-submit]")
    shot("accounts-03-confirm-disable")
    page.fill("[data-testid=confirm-comment]", "调离岗位")
    page.click("[data-testid=confirm-submit]")
    page.wait_for_selector("[data-testid=account-beimen1] >> text=已停用")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_selector("[data-testid=account-table]")
    shot("accounts-04-list-phone")
    assert fits_the_phone(page)


def test_county_staff_add_a_value_of_their_own_to_a_dictionary(live_server, page, shot):
    make_user(Role.COUNTY_STAFF, "441702", username="jiangcheng", real_name="林秀珍")
    login(page, live_server, "jiangcheng", PASSWORD)
    page.wait_for_selector("[data-testid=user-name]")
    page.click("[data-nav=dictionaries]")
    page.click("text=居住状况")
    page.wait_for_selector("[data-testid=item-table]")
    page.fill("#id_label", "渔船留守")
    page.click("[data-testid=item-add]")
    page.wait_for_selector("[data-testid=item-table] >> text=渔船留守")
    assert "仅江城区" in page.content() or "江城区" in page.inner_text("[data-testid=item-table]")
    shot("dictionaries-01-living-situation")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_selector("[data-testid=item-table]")
    shot("dictionaries-02-phone")
    assert fits_the_phone(page)
    page.goto(f"{live_server.url}/people/new/")
    assert "渔船留守" in page.inner_text("#id_living_situation")
