"""resolve_division: codes as offices write them, names with or without suffixes, inside the jurisdiction only."""

from __future__ import annotations

import pytest

from yanglao.core.divisions import resolve_division
from yanglao.core.errors import ValidationFailed
from yanglao.core.models import DivisionLevel

pytestmark = pytest.mark.usefixtures("divisions")

COMMUNITY = DivisionLevel.COMMUNITY


@pytest.mark.parametrize("text,code", [
    ("441700", "4417"), ("4417", "4417"), ("441702", "441702"), ("441702000000", "441702"),
    ("441702001000", "441702001"), ("441702001", "441702001"), ("441702001001", "441702001001"),
    ("４４１７０２００１００１", "441702001001"), (" 441702001001 ", "441702001001"),
    ("北门社区居委会（441702001001）", "441702001001"),
])
def test_it_resolves_codes_as_offices_write_them(text, code):
    assert resolve_division(text, within="4417").code == code


@pytest.mark.parametrize("text", ["北门", "北门社区", "北门社区居委会", "北门居委会", "北 门 社 区", "北门社区　",
                                  "南恩街道/北门社区", "南恩街道 北门", "江城区南恩街道北门社区", "南恩街道北门社区居委会"])
def test_it_resolves_a_community_by_name_with_or_without_suffix(text):
    found = resolve_division(text, within="441702", level=COMMUNITY)
    assert (found.code, found.name) == ("441702001001", "北门社区居委会")


def test_it_resolves_townships_and_counties_by_name():
    assert resolve_division("南恩街道", within="4417").code == "441702001"
    assert resolve_division("埠场", within="441702", level=DivisionLevel.TOWNSHIP).code == "441702102"
    assert resolve_division("埠场镇", within="441702").code == "441702102"
    assert resolve_division("江城", within="4417").code == "441702"
    assert resolve_division("阳春市", within="4417").code == "441781"


def test_an_ambiguous_name_answers_with_the_candidates():
    with pytest.raises(ValidationFailed) as exc:
        resolve_division("东门", within="4417", level=COMMUNITY)
    candidates = exc.value.details["candidates"]
    assert len(candidates) == 2
    assert all(c["name"].startswith("东门") and c["path"].count("/") == 2 for c in candidates)
    assert "2 个" in exc.value.message and candidates[0]["code"] in exc.value.message


def test_a_name_unique_inside_the_jurisdiction_resolves_there():
    with pytest.raises(ValidationFailed):
        resolve_division("东门", within="4417", level=COMMUNITY)
    codes = {c["code"] for c in _candidates("东门", "4417")}
    county = sorted(codes)[0][:6]
    assert resolve_division("东门", within=county, level=COMMUNITY).code.startswith(county)


def _candidates(text: str, within: str) -> list[dict]:
    with pytest.raises(ValidationFailed) as exc:
        resolve_division(text, within=within, level=COMMUNITY)
    return exc.value.details["candidates"]


@pytest.mark.parametrize("text", ["441704", "441721100", "阳西县", "北门社区", "441702001001"])
def test_it_refuses_divisions_outside_the_jurisdiction_and_never_guesses_across(text):
    with pytest.raises(ValidationFailed) as exc:
        resolve_division(text, within="441781")
    assert "不在您的管辖范围" in exc.value.message


def test_it_refuses_a_division_of_another_level():
    with pytest.raises(ValidationFailed) as exc:
        resolve_division("南恩街道", within="441702", level=COMMUNITY)
    assert "乡镇（街道）" in exc.value.message and "请选择村（社区）" in exc.value.message
    with pytest.raises(ValidationFailed):
        resolve_division("441702", within="4417", level=COMMUNITY)


@pytest.mark.parametrize("text,words", [
    ("4417020", "6、9 或 12 位"), ("441702999999", "不存在"), ("北门大道", "没有名为"), ("", "请输入"),
])
def test_unknown_text_is_refused_in_chinese(text, words):
    with pytest.raises(ValidationFailed) as exc:
        resolve_division(text, within="4417")
    assert words in exc.value.message


def test_an_unknown_name_suggests_similar_names_inside_the_jurisdiction_only():
    with pytest.raises(ValidationFailed) as exc:
        resolve_division("北门街", within="441702", level=COMMUNITY)
    assert [c["code"] for c in exc.value.details["candidates"]] == ["441702001001"]


def test_without_a_jurisdiction_nothing_resolves():
    with pytest.raises(ValidationFailed):
        resolve_division("北门", within=None)
    with pytest.raises(ValidationFailed):
        resolve_division("北门", within="")
