from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest

from yanglao.core.idnumber import parse_id_number
from yanglao.core.synth import (
    CATEGORIES,
    LIVING_SITUATIONS,
    STATUSES,
    synth_people,
    yangjiang_communities_from_csv,
)

TODAY = date(2025, 6, 1)
VILLAGES_CSV = Path(__file__).resolve().parents[2] / "yanglao/core/data/divisions/guangdong_villages.csv"
COMMUNITIES = [
    ("441702001001", "北门社区居委会"),
    ("441702001002", "南恩社区居委会"),
    ("441704100005", "龙山社区居民委员会"),
    ("441704101213", "三宝垌村委会"),
    ("441721100242", "岑村村委会"),
    ("441721102207", "热水村委会"),
    ("441781107204", "大同村委会"),
    ("441781108209", "那垌村委会"),
    ("441781002500", "三丰华侨农场生活区"),
    ("441704400498", "阳江监狱虚拟社区"),
]


def people(n, seed=7):
    return list(synth_people(n, seed=seed, communities=COMMUNITIES, today=TODAY))


@pytest.fixture(scope="module")
def sample():
    return people(20_000)


def age_on(day, born):
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def test_same_seed_gives_same_people_and_shorter_runs_are_prefixes():
    assert people(500) == people(500)
    assert people(5000)[:500] == people(500)
    assert people(500, seed=8) != people(500)


def test_every_id_number_is_valid_and_agrees_with_birth_date_and_sex(sample):
    for person in sample:
        parsed = parse_id_number(person.id_number, today=TODAY)
        assert parsed.birth_date == person.birth_date
        assert parsed.sex == person.sex


def test_ages_are_within_60_to_105_with_a_realistic_pyramid(sample):
    ages = [age_on(TODAY, p.birth_date) for p in sample]
    assert min(ages) >= 60 and max(ages) <= 105
    bands = Counter(min(a // 10 * 10, 90) for a in ages)
    share = {band: count / len(ages) for band, count in bands.items()}
    assert share[60] == pytest.approx(0.55, abs=0.03)
    assert share[70] == pytest.approx(0.30, abs=0.03)
    assert share[80] == pytest.approx(0.12, abs=0.02)
    assert share[90] == pytest.approx(0.03, abs=0.01)


def test_women_are_a_majority_among_the_oldest(sample):
    old = [p for p in sample if age_on(TODAY, p.birth_date) >= 85]
    young = [p for p in sample if age_on(TODAY, p.birth_date) < 65]
    assert sum(p.sex == "F" for p in old) / len(old) > 0.55
    assert 0.45 < sum(p.sex == "F" for p in young) / len(young) < 0.55


def test_region_code_is_the_community_county_for_most(sample):
    own = sum(p.id_number[:6] == p.community_code[:6] for p in sample) / len(sample)
    assert own == pytest.approx(0.85, abs=0.02)
    assert all(p.id_number.startswith("44") for p in sample)


def test_category_rates_are_realistic(sample):
    counts = Counter(c for p in sample for c in p.categories)
    n = len(sample)
    assert counts["tekun"] / n == pytest.approx(0.008, abs=0.003)
    assert counts["dibao"] / n == pytest.approx(0.04, abs=0.006)
    assert counts["dibao_edge"] / n == pytest.approx(0.015, abs=0.004)
    assert counts["economic_hardship"] / n == pytest.approx(0.063, abs=0.008)
    assert counts["family_planning_special"] / n == pytest.approx(0.003, abs=0.002)
    assert counts["severe_disability"] / n == pytest.approx(0.025, abs=0.005)
    assert counts["veteran"] / n == pytest.approx(0.03, abs=0.005)
    assert set(counts) <= set(CATEGORIES)


def test_economic_hardship_includes_tekun_dibao_and_dibao_edge(sample):
    for p in sample:
        if {"tekun", "dibao", "dibao_edge"} & set(p.categories):
            assert "economic_hardship" in p.categories


def test_severe_disability_carries_grade_1_or_2(sample):
    for p in sample:
        assert (p.disability_grade in (1, 2)) == ("severe_disability" in p.categories)


def test_living_situation_rates_and_left_behind_is_mostly_rural(sample):
    counts = Counter(p.living_situation for p in sample)
    n = len(sample)
    assert set(counts) <= set(LIVING_SITUATIONS)
    assert counts["alone"] / n == pytest.approx(0.12, abs=0.02)
    assert counts["empty_nest"] / n == pytest.approx(0.30, abs=0.04)
    assert counts["with_children"] / n == pytest.approx(0.45, abs=0.03)
    assert counts["institution"] / n == pytest.approx(0.03, abs=0.01)
    left_behind = [p for p in sample if p.living_situation == "left_behind"]
    assert sum("村" in p.address for p in left_behind) / len(left_behind) > 0.8


def test_status_rates_and_dates(sample):
    counts = Counter(p.status for p in sample)
    n = len(sample)
    assert set(counts) == set(STATUSES)
    assert counts["active"] / n == pytest.approx(0.97, abs=0.01)
    assert counts["deceased"] / n == pytest.approx(0.02, abs=0.005)
    assert counts["moved_away"] / n == pytest.approx(0.01, abs=0.004)
    for p in sample:
        if p.status == "active":
            assert p.status_date is None
        else:
            assert TODAY - timedelta(days=3 * 366) <= p.status_date < TODAY


def test_names_phones_and_addresses_look_real(sample):
    for p in sample:
        assert 2 <= len(p.name) <= 4
        assert p.phone is None or (len(p.phone) == 11 and p.phone[0] == "1" and p.phone[1] in "3456789")
        assert p.address.endswith("号")
        assert "委员会" not in p.address and "居委会" not in p.address and "村委会" not in p.address
    assert sum(p.phone is None for p in sample) / len(sample) == pytest.approx(0.12, abs=0.015)
    surnames = Counter(p.name[0] for p in sample)
    assert surnames.most_common(1)[0][0] == "陈"
    assert len({p.name for p in sample}) > 5000


def test_people_live_in_the_given_communities(sample):
    codes = Counter(p.community_code for p in sample)
    assert set(codes) <= {c for c, _ in COMMUNITIES}
    assert codes["441704400498"] < 50  # a prison's virtual community houses few older residents
    assert any(p.address.startswith("北门社区") for p in sample)


def test_id_numbers_are_unique_in_a_large_run():
    ids = [p.id_number for p in synth_people(200_000, seed=1, communities=COMMUNITIES[:2], today=TODAY)]
    assert len(set(ids)) == len(ids)


def test_zero_people_and_bad_arguments():
    assert people(0) == []
    with pytest.raises(ValueError):
        list(synth_people(1, seed=1, communities=[], today=TODAY))
    with pytest.raises(ValueError):
        list(synth_people(1, seed=1, communities=[("4417", "x")], today=TODAY))


def test_communities_are_read_for_one_city(tmp_path):
    path = tmp_path / "villages.csv"
    path.write_text(
        "code,name,streetCode,provinceCode,cityCode,areaCode\n"
        '440103001101,"翠洲社区居民委员会",440103001,44,4401,440103\n'
        '441702001001,"北门社区居委会",441702001,44,4417,441702\n',
        encoding="utf-8",
    )
    assert yangjiang_communities_from_csv(path) == [("441702001001", "北门社区居委会")]


@pytest.mark.skipif(not VILLAGES_CSV.exists(), reason="division data not present")
def test_real_yangjiang_division_data_has_878_communities_in_four_counties():
    communities = yangjiang_communities_from_csv(VILLAGES_CSV)
    assert len(communities) == 878
    assert {code[:6] for code, _ in communities} == {"441702", "441704", "441721", "441781"}
    sample = list(synth_people(2000, seed=3, communities=communities, today=TODAY))
    assert all(parse_id_number(p.id_number, today=TODAY) for p in sample)


@pytest.mark.parametrize("today", [date(2024, 2, 29), date(2025, 3, 1), date(2025, 12, 31)])
def test_ages_stay_within_range_on_awkward_days(today):
    for p in synth_people(3000, seed=5, communities=COMMUNITIES, today=today):
        assert 60 <= age_on(today, p.birth_date) <= 105
        assert parse_id_number(p.id_number, today=today).birth_date == p.birth_date
