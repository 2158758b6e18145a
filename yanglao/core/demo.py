"""Demo accounts, one per role, listed in README.md. Only for the demo database."""

from __future__ import annotations

from .models import Organisation, OrganisationKind, User
from .roles import Role
from .services import staff_create

DEMO_PASSWORD = "Yanglao@2026"

# username, role, division code, real name, organisation key
DEMO_ACCOUNTS: list[tuple[str, str, str | None, str, str | None]] = [
    ("city", Role.CITY_ADMIN, "4417", "陈志明（市民政局）", None),
    ("city2", Role.CITY_ADMIN, "4417", "周慧敏（市民政局复核）", None),
    ("jiangcheng", Role.COUNTY_STAFF, "441702", "林秀珍（江城区民政局）", None),
    ("yangdong", Role.COUNTY_STAFF, "441704", "黄建华（阳东区民政局）", None),
    ("yangxi", Role.COUNTY_STAFF, "441721", "梁小燕（阳西县民政局）", None),
    ("yangchun", Role.COUNTY_STAFF, "441781", "罗国强（阳春市民政局）", None),
    ("nanen", Role.TOWNSHIP_STAFF, "441702001", "冯丽华（南恩街道）", None),
    ("beimen", Role.COMMUNITY_WORKER, "441702001001", "何晓敏（北门社区）", None),
    ("assessor1", Role.ASSESSOR, "441702", "吴志坚（评估员）", None),
    ("assessor2", Role.ASSESSOR, "441702", "郑美玲（评估员）", None),
    ("inspector", Role.INSPECTOR, "4417", "谢文涛（市场监管）", None),
    ("auditor", Role.AUDITOR, "4417", "许雅琴（审计）", None),
    ("carehome", Role.INSTITUTION_OPERATOR, None, "莫少芬（江城区社会福利中心）", "institution"),
    ("provider", Role.SERVICE_PROVIDER, None, "关国栋（康乐居家服务中心）", "provider"),
    # 责任单位 of the policy tasks (yanglao/policytasks): city departments reporting on their tasks.
    ("ziranziyuan", Role.RESPONSIBLE_UNIT, None, "李振华（市自然资源局）", "ziranziyuan"),
    ("weijian", Role.RESPONSIBLE_UNIT, None, "陈丽娟（市卫生健康局）", "weijian"),
    ("renshe", Role.RESPONSIBLE_UNIT, None, "黄伟明（市人力资源社会保障局）", "renshe"),
]

DEMO_ORGANISATIONS = {
    "institution": ("阳江市江城区社会福利中心", OrganisationKind.INSTITUTION, "441702001"),
    "provider": ("阳江市康乐居家养老服务中心", OrganisationKind.PROVIDER, "441702002"),
    "ziranziyuan": ("市自然资源局", OrganisationKind.GOVERNMENT, "4417"),
    "weijian": ("市卫生健康局", OrganisationKind.GOVERNMENT, "4417"),
    "renshe": ("市人力资源社会保障局", OrganisationKind.GOVERNMENT, "4417"),
}


def create_demo_accounts() -> list[User]:
    """Create the demo accounts that do not exist yet (safe to run again)."""
    orgs = {
        key: Organisation.objects.get_or_create(name=name, defaults={"kind": kind, "division_code": code})[0]
        for key, (name, kind, code) in DEMO_ORGANISATIONS.items()
    }
    created = []
    for username, role, division, name, org_key in DEMO_ACCOUNTS:
        if User.objects.filter(username=username).exists():
            continue
        created.append(
            staff_create(
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                division_code=division,
                organisation=orgs[org_key] if org_key else None,
                real_name=name,
            )
        )
    return created
