import datetime as dt
from decimal import Decimal

import pytest

from tests.conftest import make_id
from yanglao.core.models import Organisation, OrganisationKind
from yanglao.core.roles import Role
from yanglao.core.testing import make_user
from yanglao.institutions import services as inst_services
from yanglao.institutions.models import Residency
from yanglao.prepaid import services
from yanglao.prepaid.defaults import ensure_default_rules

D = Decimal
TODAY = dt.date.today()


@pytest.fixture
def rules(db):
    ensure_default_rules()  # transactional tests flush the migration's rules


@pytest.fixture
def operator_org(divisions):
    return Organisation.objects.create(name="阳江颐康养老服务有限公司", kind=OrganisationKind.INSTITUTION,
                                       division_code="441702002")


@pytest.fixture
def operator(operator_org):
    return make_user(Role.INSTITUTION_OPERATOR, "", username="yikang-op", organisation=operator_org)


@pytest.fixture
def make_home(jiangcheng, rules):
    counter = {"n": 0}

    def create(name="阳江颐康护养院", ownership="private_nonprofit", division="441702002001", by=None, operator_org=None,
               account=None, net_assets=None):
        counter["n"] += 1
        user = by or jiangcheng
        inst = inst_services.institution_create(by=user, data={
            "name": name, "ownership": ownership, "division_code": division, "address": "东风路8号", "capacity": 40,
        }, operator=operator_org)
        inst_services.beds_add(by=user, institution=inst, building="1号楼", floor="1", rooms=["101", "102", "103"],
                               beds_per_room=2, bed_type="nursing")
        return services.home_file(by=user, institution=inst, data={
            "custody_bank": "中国建设银行阳江江城支行", "custody_account": account or f"4405017178080000{counter['n']:04d}",
            "risk_reserve": "200000", "net_fixed_assets": net_assets, "filed_on": TODAY - dt.timedelta(days=200)})

    return create


@pytest.fixture
def make_resident(new_person):
    counter = {"n": 0}

    def create(home, name="黄秀英", bed_fee="2000", care="1000", meal="600", by=None, opened=None):
        counter["n"] += 1
        person = new_person(name=name, id_number=make_id(birth="19450302", seq=f"{300 + counter['n']:03d}"),
                            division_code=home.division_code)
        bed = home.institution.beds.filter(residencies__isnull=True).first()
        Residency.objects.create(person=person, institution=home.institution, bed=bed, division_code=home.division_code,
                                 admitted_on=TODAY - dt.timedelta(days=100))
        from yanglao.core.models import User

        user = by or User.objects.get(username="jiangcheng")
        return services.account_open(by=user, home=home, person=person, data={
            "monthly_bed": bed_fee, "monthly_care": care, "monthly_meal": meal, "refund_term_days": 30,
            "opened_on": opened or TODAY - dt.timedelta(days=90)})

    return create


@pytest.fixture
def home(make_home):
    return make_home()


def collect(by, account, kind, amount, receipt, on=None):
    return services.entry_record(by=by, account=account, kind=kind, direction="collect", amount=amount,
                                 on=on or TODAY - dt.timedelta(days=30), receipt_no=receipt)
