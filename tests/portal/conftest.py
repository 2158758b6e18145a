import pytest
from django.core.cache import cache

from yanglao.institutions import services


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def home(jiangcheng):
    """A public home in 江城区 (南恩街道) on the waiting list, with two nursing beds and two ordinary ones."""
    inst = services.institution_create(by=jiangcheng, data={
        "name": "江城区社会福利中心", "ownership": "public", "division_code": "441702001001", "address": "北门路9号",
        "capacity": 100, "accepts_public_admission": True, "is_tekun_home": True, "has_medical_unit": True,
    })
    services.beds_add(by=jiangcheng, institution=inst, building="1号楼", floor="1", rooms=["101"], beds_per_room=2,
                      bed_type="nursing")
    services.beds_add(by=jiangcheng, institution=inst, building="1号楼", floor="1", rooms=["102"], beds_per_room=2,
                      bed_type="ordinary")
    return inst
