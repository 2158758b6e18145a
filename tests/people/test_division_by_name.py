"""Registering, editing and searching people picks the community by name; lists show names, not codes."""

from __future__ import annotations

import pytest

from tests.conftest import make_id
from yanglao.core.roles import Role
from yanglao.core.testing import make_user, page_client
from yanglao.people.models import Person

pytestmark = pytest.mark.usefixtures("divisions")


def _new(client, **data):
    post = {"name": "张三", "id_number": make_id(seq="551"), "living_situation": "alone"} | data
    return client.post("/people/new/", post)


def test_a_person_is_registered_by_typing_the_communitys_name(jiangcheng):
    got = _new(page_client(jiangcheng), division_code="", division_code_text="北门")
    assert got.status_code == 302, got.content.decode()[:2000]
    assert Person.objects.get().division_code == "441702001001"


def test_the_form_shows_a_picker_not_a_code_box(jiangcheng):
    page = page_client(jiangcheng).get("/people/new/").content.decode()
    assert 'data-picker="division"' in page and "12位村（社区）区划代码" not in page and "居住社区代码" not in page
    assert 'data-root="441702"' in page and "pickers.js" in page


def test_a_community_worker_finds_their_own_community_filled_in(divisions):
    beimen = make_user(Role.COMMUNITY_WORKER, "441702001001")
    page = page_client(beimen).get("/people/new/").content.decode()
    assert 'name="division_code" value="441702001001"' in page and 'value="北门社区"' in page


@pytest.mark.parametrize("text,words", [("阳西县", "不在您的管辖范围"), ("南恩街道", "请选择村（社区）"),
                                        ("北门大道", "没有名为"), ("东门", "个，请选择")])
def test_a_wrong_community_keeps_the_form_with_the_reason_on_the_field(jiangcheng, city_admin, text, words):
    client = page_client(city_admin if text == "东门" else jiangcheng)
    got = _new(client, division_code="", division_code_text=text)
    assert got.status_code == 200
    page = got.content.decode()
    assert 'data-testid="error-division_code"' in page and words in page
    assert 'value="张三"' in page  # the rest of the form is kept
    assert not Person.objects.exists()


def test_the_edit_form_moves_a_person_by_name(jiangcheng, new_person):
    person = new_person()
    client = page_client(jiangcheng)
    page = client.get(f"/people/{person.pk}/edit/").content.decode()
    assert 'value="北门社区"' in page
    got = client.post(f"/people/{person.pk}/edit/", {
        "name": person.name, "division_code": "441702001001", "division_code_text": "南恩街道/甜酒社区",
        "living_situation": person.living_situation, "status": "active"})
    assert got.status_code == 302, got.content.decode()[:2000]
    person.refresh_from_db()
    assert person.division_code == "441702001003"


def test_the_list_shows_community_names_with_the_code_on_hover(jiangcheng, new_person):
    new_person()
    page = page_client(jiangcheng).get("/people/").content.decode()
    assert '<td title="北门社区居委会 441702001001" data-testid="division-name">北门社区</td>' in page


def test_the_search_filters_by_a_township_name(jiangcheng, new_person):
    inside, outside = new_person(name="南恩人"), new_person(name="城南人", division_code="441702002001")
    client = page_client(jiangcheng)
    page = client.get("/people/", {"division_text": "南恩街道"}).content.decode()
    assert inside.name in page and outside.name not in page
    page = client.get("/people/", {"division": "441702002", "division_text": "城南街道"}).content.decode()
    assert outside.name in page and inside.name not in page
    page = client.get("/people/", {"division_text": "阳西县"}).content.decode()
    assert 'data-testid="error-division"' in page and "不在您的管辖范围" in page


def test_the_export_takes_the_filter_by_name(jiangcheng, new_person):
    new_person(name="南恩人")
    got = page_client(jiangcheng).get("/people/export/", {"division_text": "南恩", "format": "csv"})
    assert got.status_code == 200
