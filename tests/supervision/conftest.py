import datetime as dt

import pytest

from yanglao.core.roles import Role
from yanglao.core.testing import make_user
from yanglao.supervision import services
from yanglao.supervision.models import InspectionItem, Inspector, Target

CIVIL, MARKET = "市民政局", "市市场监管局"


@pytest.fixture
def inspector_user(divisions):
    return make_user(Role.INSPECTOR, "4417", username="inspector")


@pytest.fixture
def world(city_admin):
    """Two items, twelve targets in two counties (one an institution record), five inspectors in two departments."""
    from yanglao.institutions import services as inst_services

    home = inst_services.institution_create(by=city_admin, data={
        "name": "江城区社会福利中心", "ownership": "public", "division_code": "441702001001", "address": "北门路9号",
        "capacity": 100, "licence_no": "阳民养备〔2021〕001号"})  # no credit code yet: the filing number registers it
    items = [
        InspectionItem.objects.create(code="YL-01", name="备案情况检查", legal_basis="《养老机构管理办法》第九条",
                                      department=CIVIL, method="现场检查", kind="general", max_ratio_percent=30,
                                      target_kinds=["institution"], checklist=["已备案", "公示收费标准"]),
        InspectionItem.objects.create(code="YL-02", name="服务安全检查", legal_basis="GB 38600-2019", department=CIVIL,
                                      method="现场检查", kind="key", max_ratio_percent=30,
                                      target_kinds=["institution"], checklist=["防跌倒措施"]),
    ]
    services.refresh_targets(by=city_admin)
    for k in range(11):
        county = "441702" if k % 2 else "441704"
        Target.objects.create(kind="institution", name=f"测试养老院{k}", reg_no=f"5244{county[2:]}MJ{k:06d}X",
                              division_code=f"{county}001001")
    people = [Inspector.objects.create(code=f"4417000{k}", name=f"民政{k}", department=CIVIL) for k in range(3)]
    people += [Inspector.objects.create(code=f"4417100{k}", name=f"市监{k}", department=MARKET) for k in range(2)]
    return {"home": home, "items": items, "inspectors": people, "today": dt.date(2026, 11, 29)}


@pytest.fixture
def drawn(world, city_admin):
    plan = services.plan_create(by=city_admin, title="2026年第四季度抽查", period="2026年第4季度", items=world["items"],
                                ratio_percent=25, departments=[CIVIL, MARKET])
    services.announce_seed(by=city_admin, plan=plan, seed="2026137-05-09-14", source="福彩双色球第2026137期")
    record = services.perform_draw(by=city_admin, plan=plan)
    return plan, record


def supervision_objects(city_admin, home=None) -> dict:
    """One object of each kind a supervision route takes (for the walk over every GET route)."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from yanglao.supervision.models import Complaint, Inspection

    item = InspectionItem.objects.create(code="YL-09", name="服务安全检查", legal_basis="GB 38600-2019", department=CIVIL,
                                         method="现场检查", kind="key", max_ratio_percent=30,
                                         target_kinds=["institution"], checklist=["防跌倒"])
    target = Target.objects.create(kind="institution", name="走查护养院", reg_no="52441702MJ999999X",
                                   division_code="441702001001")
    people = [Inspector.objects.create(code=f"4417900{k}", name=f"走查{k}", department=CIVIL) for k in range(2)]
    plan = services.plan_create(by=city_admin, title="走查计划", period="Q4", items=[item], ratio_percent=100,
                                departments=[CIVIL])
    services.announce_seed(by=city_admin, plan=plan, seed="walk-123456", source="测试")
    record = services.perform_draw(by=city_admin, plan=plan)
    services.publish_draw(by=city_admin, plan=plan)
    inspection = Inspection.objects.get(plan=plan)
    services.inspection_start(by=city_admin, inspection=inspection, started_on=dt.date(2026, 11, 2))
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, format="PNG")
    finding = services.finding_add(by=city_admin, inspection=inspection, description="扶手缺失",
                                   photo=SimpleUploadedFile("a.png", out.getvalue()))
    order = services.rectification_order(by=city_admin, inspection=inspection, requirement="安装",
                                         deadline=dt.date.today() + dt.timedelta(days=30))
    fire = services.fire_case_create(by=city_admin, institution=home, missing_paperwork="备案", handling="补办",
                                     deadline=None) if home is not None else None
    complaint = services.complaint_create(by=city_admin, category="abuse", received_on=dt.date(2026, 11, 1),
                                          channel="12345热线", summary="测试", target=target, subject_name="",
                                          division_code="441702")
    return {"supervision/items/": item.pk, "supervision/inspectors/": people[0].pk, "supervision/plans/": plan.pk,
            "supervision/records/": record.pk, "supervision/inspections/": inspection.pk,
            "supervision/rectifications/": order.pk, "supervision/findings/": finding.pk,
            "supervision/complaints/": Complaint.objects.get(pk=complaint.pk).pk,
            "supervision/fire/": fire.pk if fire else None,
            "public/supervision/draws/": record.pk, "public/supervision/credit/": target.pk}
