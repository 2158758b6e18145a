import datetime as dt
import io

import pytest
from django.utils import timezone

from yanglao.core.models import Organisation, OrganisationKind
from yanglao.core.roles import Role
from yanglao.core.testing import make_user
from yanglao.homeadapt.defaults import ensure_defaults
from yanglao.homeadapt.models import AdaptationItem
from yanglao.people.models import PersonCategory


@pytest.fixture(autouse=True)
def defaults(db):
    ensure_defaults()  # the migration's rows (tests may run after a flush)


def png(size=(40, 30)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, format="PNG")
    return out.getvalue()


def give_category(person, code: str, since=dt.date(2020, 1, 1)):
    return PersonCategory.objects.create(person=person, category=code, valid_from=since,
                                         division_code=person.division_code)


@pytest.fixture
def item():
    return lambda code: AdaptationItem.objects.get(code=code)


@pytest.fixture
def contractor(divisions):
    return Organisation.objects.create(name="阳江市安居适老装饰工程有限公司", kind=OrganisationKind.OTHER,
                                       division_code="441702001")


@pytest.fixture
def home(jiangcheng):
    from yanglao.institutions.models import Institution

    operator = Organisation.objects.create(name="阳江市江城区社会福利中心", kind=OrganisationKind.INSTITUTION,
                                           division_code="441702001")
    return Institution.objects.create(name="阳江市江城区社会福利中心", ownership="public", operator=operator,
                                      division_code="441702001001", address="北门路9号", capacity=100)


@pytest.fixture
def operator(home):
    return make_user(Role.INSTITUTION_OPERATOR, None, username="carehome", organisation=home.operator)


@pytest.fixture
def today():
    return timezone.localdate()
