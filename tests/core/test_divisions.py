import pytest
from django.core.management import call_command

from yanglao.core.models import Division, DivisionLevel, UrbanRural


@pytest.mark.django_db
def test_yangjiang_loads_with_real_nbs_counts():
    call_command("load_divisions", "--city", "4417")
    counts = {
        lvl: Division.objects.filter(level=lvl, code__startswith="4417").count()
        for lvl in DivisionLevel.values
    }
    assert counts[DivisionLevel.CITY] == 1
    assert counts[DivisionLevel.COUNTY] == 4
    assert counts[DivisionLevel.TOWNSHIP] == 63
    assert counts[DivisionLevel.COMMUNITY] == 878
    names = dict(Division.objects.filter(level=DivisionLevel.COUNTY).values_list("code", "name"))
    assert names == {"441702": "江城区", "441704": "阳东区", "441721": "阳西县", "441781": "阳春市"}


@pytest.mark.django_db
def test_communities_are_marked_urban_or_rural_by_their_committee_name():
    call_command("load_divisions")
    beimen = Division.objects.get(code="441702001001")
    assert beimen.name.startswith("北门社区") and beimen.urban_rural == UrbanRural.URBAN
    rural = Division.objects.filter(level=DivisionLevel.COMMUNITY, name__endswith="村委会").first()
    assert rural is not None and rural.urban_rural == UrbanRural.RURAL
    assert not Division.objects.filter(level=DivisionLevel.COMMUNITY, urban_rural="").exists()


@pytest.mark.django_db
def test_codes_nest_by_prefix_along_parent_links():
    call_command("load_divisions")
    community = Division.objects.get(code="441702001001")
    assert [d.code for d in community.path()] == ["44", "4417", "441702", "441702001", "441702001001"]
    for d in Division.objects.exclude(parent=None):
        assert d.code.startswith(d.parent_id)


@pytest.mark.django_db
def test_loading_twice_changes_nothing():
    call_command("load_divisions")
    call_command("load_divisions")
    assert Division.objects.count() == 1 + 1 + 4 + 63 + 878


@pytest.mark.django_db
def test_whole_province_loads_for_province_scale_work():
    call_command("load_divisions", "--province", "44")
    assert Division.objects.filter(level=DivisionLevel.COMMUNITY).count() == 26842
    assert Division.objects.filter(level=DivisionLevel.CITY).count() == 21


def test_unknown_division_prefix_is_refused(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="区划代码无效"):
        call_command("load_divisions", "--city", "9999")


def test_migrations_match_the_models(db):
    """Every model change has its migration (and generated migrations are deterministic)."""
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
