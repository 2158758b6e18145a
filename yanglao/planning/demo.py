"""Demo data: plausible coordinates for every community of Yangjiang, a generated walking network over central
江城区 (an .osm file written and read like a real extract), estates with and without their rooms, idle public
property under leases of several terms, and the circle computed on the network."""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal

from django.utils import timezone

from yanglao.core.models import Division, User

from . import network as net
from . import services
from .defaults import ensure_defaults
from .models import CommunityPoint, Estate, PointSource, PropertyLease

COUNTY_CENTRES = {"441702": (21.857, 111.972), "441704": (21.868, 112.015), "441721": (21.752, 111.617),
                  "441781": (22.170, 111.790)}
# 江城区's streets and towns where they are (approximately, WGS-84).
TOWNSHIP_CENTRES = {
    "441702001": (21.856, 111.966), "441702002": (21.845, 111.984), "441702003": (21.871, 111.975),
    "441702004": (21.849, 111.953), "441702006": (21.862, 111.994), "441702008": (21.832, 111.990),
    "441702009": (21.863, 111.944), "441702011": (21.880, 111.952), "441702102": (21.800, 112.020),
    "441702103": (21.790, 111.900), "441702105": (21.585, 111.830), "441702106": (21.925, 111.880),
    "441702401": (21.935, 112.000), "441704100": (21.868, 112.015), "441721100": (21.752, 111.617),
    "441781001": (22.170, 111.790), "441781002": (22.165, 111.770),
}
# The generated network: central 江城区, 52 × 55 streets 150 m apart (about 7.8 km × 8.3 km).
NET_SOUTH, NET_WEST, NET_ROWS, NET_COLS = 21.820, 111.930, 52, 55

ESTATES = ["漠阳花园", "江城御景", "鸳鸯湖畔", "金山名苑", "碧海湾", "东湖一号", "阳光水岸", "万象城府", "南恩新村",
           "锦绣华庭", "北山雅居", "城西明珠", "中洲豪庭", "岗列家园", "滨江壹号", "翠竹苑", "凤凰城", "新江南",
           "白沙花园", "荔枝园小区", "海景华庭", "汇丰花园", "金湾名都", "春城花园"]
LEASES = [
    ("原南恩街道文化站", "阳江市江城区南恩街道办事处", Decimal("420"), "in_use", 15, True, "阳江市康乐居家养老服务中心",
     "日间照料中心"),
    ("原城北粮所仓库", "阳江市粮食储备有限公司", Decimal("860"), "leased", 10, True, "阳江市颐康护理服务有限公司",
     "长者饭堂"),
    ("原中洲卫生站", "阳江市江城区卫生健康局", Decimal("260"), "in_use", 20, True, "中洲社区居民委员会", "社区养老服务站"),
    ("原城东派出所旧址", "阳江市公安局江城分局", Decimal("1200"), "tendering", 0, True, "", "综合养老服务中心"),
    ("原岗列小学校舍", "阳江市江城区教育局", Decimal("1850"), "idle", 0, False, "", ""),
    ("原白沙供销社门市", "阳江市供销合作社联合社", Decimal("310"), "leased", 5, False, "阳江市乐龄餐饮管理有限公司",
     "助餐点"),
    ("原东城镇政府办公楼", "阳江市阳东区东城镇人民政府", Decimal("980"), "in_use", 16, True, "阳东区颐养服务中心",
     "镇街综合养老服务中心"),
    ("原春城街道旧礼堂", "阳春市春城街道办事处", Decimal("650"), "ended", 3, False, "阳春市夕阳红托老所", "日托"),
]


def _points(rng: random.Random) -> int:
    """A point for every community: near its township's centre (known ones for 江城区; elsewhere placed around the
    county's seat), urban communities closer together than villages."""
    rows = []
    townships = {d.code: d for d in Division.objects.filter(level=4, code__startswith="4417")}
    centre_of: dict[str, tuple[float, float]] = {}
    for code in sorted(townships):
        if code in TOWNSHIP_CENTRES:
            centre_of[code] = TOWNSHIP_CENTRES[code]
            continue
        lat0, lon0 = COUNTY_CENTRES.get(code[:6], (21.86, 111.98))
        angle = rng.uniform(0, 2 * math.pi)
        radius = rng.uniform(0.06, 0.28)
        centre_of[code] = (lat0 + radius * math.sin(angle), lon0 + radius * math.cos(angle))
    for community in Division.objects.filter(level=5, code__startswith="4417").order_by("code"):
        lat0, lon0 = centre_of.get(community.code[:9], COUNTY_CENTRES.get(community.code[:6], (21.86, 111.98)))
        spread = 0.010 if community.urban_rural == "urban" else 0.035
        rows.append(CommunityPoint(division_code=community.code,
                                   latitude=Decimal(str(round(lat0 + rng.uniform(-spread, spread), 6))),
                                   longitude=Decimal(str(round(lon0 + rng.uniform(-spread, spread), 6))),
                                   source=PointSource.DEMO))
    CommunityPoint.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)


def _estates(rng: random.Random, county: User) -> int:
    urban = list(Division.objects.filter(level=5, code__startswith="441702", urban_rural="urban").order_by("code"))
    others = list(Division.objects.filter(level=5, urban_rural="urban").exclude(code__startswith="441702")
                  .order_by("code"))
    points = {p.division_code: p for p in CommunityPoint.objects.all()}
    city = User.objects.get(username="city")
    today = timezone.localdate()
    made = 0
    for i, name in enumerate(ESTATES):
        community = (urban[(i * 3) % len(urban)] if i < 18 or not others else others[(i * 5) % len(others)])
        new = i % 3 != 2
        households = rng.choice([240, 360, 480, 520, 680, 800, 960, 1200, 1500])
        rule = Decimal(20 if new else 15)
        required = Decimal(households) * rule / 100
        if i % 6 == 4:
            area = Decimal("0")  # no room at all
        elif i % 5 == 3:
            area = (required * Decimal("0.6")).quantize(Decimal("1"))  # too small
        else:
            area = (required * Decimal(str(rng.choice([1.0, 1.1, 1.25, 1.5])))).quantize(Decimal("1"))
        completed = today - dt.timedelta(days=rng.randint(60, 1500)) if new else dt.date(rng.randint(1995, 2012), 6, 30)
        handed = area > 0 and i % 4 != 1
        point = points.get(community.code)
        lat = lon = None
        if point is not None:
            lat = Decimal(str(round(float(point.latitude) + rng.uniform(-0.004, 0.004), 6)))
            lon = Decimal(str(round(float(point.longitude) + rng.uniform(-0.004, 0.004), 6)))
        services.estate_save(by=county if community.code.startswith("441702") else city, data={
            "name": name, "division_code": community.code, "area_kind": "new" if new else "old",
            "households": households, "room_area_m2": area, "completed_on": completed, "handed_over": handed,
            "handed_over_on": completed + dt.timedelta(days=90) if handed else None, "in_use": handed and i % 7 != 5,
            "address": f"{community.short_name}{rng.randint(1, 200)}号", "developer": rng.choice(
                ["阳江市城建开发有限公司", "阳江碧桂园房地产开发有限公司", "阳江市保利置业有限公司", "阳江市恒信置业有限公司"]),
            "latitude": lat, "longitude": lon, "note": ""})
        made += 1
    return made


def _leases(rng: random.Random) -> int:
    city = User.objects.get(username="city")
    today = timezone.localdate()
    communities = {c[:6]: c for c in Division.objects.filter(level=5, urban_rural="urban").order_by("-code")
                   .values_list("code", flat=True)}
    jiangcheng = list(Division.objects.filter(level=5, code__startswith="441702", urban_rural="urban")
                      .order_by("code").values_list("code", flat=True))
    for i, (name, owner, area, status, years, priority, lessee, purpose) in enumerate(LEASES):
        if "东城" in name:
            code = communities.get("441704", jiangcheng[0])
        elif "春城" in name:
            code = communities.get("441781", jiangcheng[0])
        else:
            code = jiangcheng[(i * 4) % len(jiangcheng)]
        start = end = None
        if years:
            start = today.replace(day=1) - dt.timedelta(days=rng.randint(100, 900))
            end = start.replace(year=start.year + years) - dt.timedelta(days=1)
            if status == "ended":
                start = start.replace(year=start.year - years - 1)
                end = start.replace(year=start.year + years) - dt.timedelta(days=1)
        services.lease_save(by=city, data={
            "name": name, "division_code": code, "address": "", "owner_unit": owner, "floor_area_m2": area,
            "lessee": lessee, "purpose": purpose, "status": status, "public_tender": status != "idle",
            "priority_given": priority, "start_date": start, "end_date": end,
            "annual_rent_fen": int(area * 12 * rng.choice([8, 10, 15])) * 100 if years else None, "note": ""})
    return len(LEASES)


def _facility_positions(rng: random.Random) -> int:
    """The homecare demo records most facilities without coordinates, and every township centre at one placeholder
    point: as a survey would, place each at its community's point (a few metres off)."""
    from yanglao.homecare.models import Facility

    points = {p.division_code: p for p in CommunityPoint.objects.all()}
    moved = 0
    for facility in Facility.objects.order_by("pk"):
        placeholder = facility.latitude == Decimal("21.86") and facility.longitude == Decimal("111.98")
        point = points.get(facility.division_code)
        if point is None or (facility.latitude is not None and not placeholder):
            continue
        Facility.objects.filter(pk=facility.pk).update(
            latitude=Decimal(str(round(float(point.latitude) + rng.uniform(-0.0015, 0.0015), 6))),
            longitude=Decimal(str(round(float(point.longitude) + rng.uniform(-0.0015, 0.0015), 6))))
        moved += 1
    return moved


def load_demo(*, seed: int) -> str:
    if Estate.objects.exists() or PropertyLease.objects.exists():
        return "规划与配建：演示数据已存在，跳过"
    if not Division.objects.filter(code__startswith="4417", level=5).exists():
        return "规划与配建：未载入阳江市区划，跳过"
    ensure_defaults()
    rng = random.Random(seed + 14)
    county = User.objects.get(username="jiangcheng")
    points = _points(rng)
    placed = _facility_positions(rng)
    estates = _estates(rng, county)
    leases = _leases(rng)
    folder = services.network_dir()
    path = net.grid_osm(folder / "demo-jiangcheng.osm", south=NET_SOUTH, west=NET_WEST, rows=NET_ROWS,
                        cols=NET_COLS, seed=seed)
    network = services.network_load(path=path, name="江城区中心城区步行路网（演示）")
    run = services.circle_compute()
    return (f"规划与配建：{points} 个村（社区）坐标，{placed} 个设施定位，{estates} 个小区，{leases} 处闲置公有房产，"
            f"路网 {network.nodes} 个节点，服务圈 {run.points} 个居住点（{run.seconds} 秒）")
