"""Demo supervision data (演示数据): an item list, both registers, the third quarter drawn and published with
inspections in every state, the fourth quarter's plan with its seed announced (ready to draw in the meeting),
complaints, fire-safety handling and credit records."""

from __future__ import annotations

import datetime as dt
import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from yanglao.core.models import Organisation, OrganisationKind, User
from yanglao.core.validators import USCC_CHARSET, uscc_check_character
from yanglao.institutions.choices import FireSafety
from yanglao.institutions.models import Institution

from . import services
from .models import (
    Conclusion,
    ConflictKind,
    CreditKind,
    DrawPlan,
    DrawRecord,
    Inspection,
    InspectionItem,
    Inspector,
    ItemKind,
    Target,
    TargetKind,
)

CIVIL = "市民政局"
MARKET = "市市场监管局"
FIRE = "市消防救援支队"
HEALTH = "市卫生健康局"

ITEMS = [
    ("YL-01", "养老机构备案及登记情况检查", "《养老机构管理办法》第九条、第十条", CIVIL, "现场检查、书面检查", ItemKind.GENERAL, 30,
     ["institution"], ["已在民政部门备案且备案信息与实际一致", "在显著位置公示备案回执和收费标准", "与老年人签订服务合同"]),
    ("YL-02", "养老服务安全基本规范执行情况检查", "GB 38600-2019《养老机构服务安全基本规范》；《养老机构管理办法》第三十八条", CIVIL,
     "现场检查", ItemKind.KEY, 100, ["institution"],
     ["开展老年人入院评估和风险评估", "防噎食、防跌倒、防走失措施落实", "夜间值班和巡查记录完整", "突发事件应急预案并定期演练"]),
    ("YL-03", "消防安全管理情况检查", "《中华人民共和国消防法》第十六条；YJ-T 37", FIRE, "现场检查", ItemKind.GENERAL, 30,
     ["institution", "facility"], ["消防设施器材完好有效", "疏散通道、安全出口畅通", "每月开展防火检查并有记录"]),
    ("YL-04", "食品安全管理情况检查", "《中华人民共和国食品安全法》第三十三条", MARKET, "现场检查、抽样检验", ItemKind.GENERAL, 20,
     ["institution", "facility"], ["取得食品经营许可或备案", "食品留样48小时以上", "从业人员持有效健康证明"]),
    ("YL-05", "居家养老服务合同履行和收费情况检查", "《广东省养老服务条例》第四十九条", CIVIL, "书面检查、回访核查", ItemKind.GENERAL, 30,
     ["provider"], ["服务合同内容完整", "按公示标准收费", "服务记录与结算一致"]),
]

INSPECTORS = [
    ("44170001", "陈伟强", CIVIL), ("44170002", "李秀梅", CIVIL), ("44170003", "黄志华", CIVIL), ("44170004", "吴丽娟", CIVIL),
    ("44170005", "梁国明", CIVIL), ("44171001", "谢文涛", MARKET), ("44171002", "林美华", MARKET),
    ("44171003", "冯建军", MARKET), ("44171004", "何雪梅", MARKET), ("44172001", "邓志刚", FIRE), ("44172002", "叶海燕", FIRE),
    ("44172003", "曾宪文", FIRE), ("44173001", "蔡小红", HEALTH), ("44173002", "许俊杰", HEALTH),
]

FACILITIES = [
    ("江城区南恩街道综合养老服务中心", "441702001"), ("江城区城南街道长者饭堂", "441702002"),
    ("阳东区东城镇日间照料中心", "441704100"), ("阳西县织𣲖镇农村互助幸福院", "441721101"),
    ("阳春市春城街道综合养老服务中心", "441781001"), ("江城区白沙街道日间照料中心", "441702003"),
]


def _uscc(rng: random.Random, region: str = "441702") -> str:
    first17 = "52" + region + "".join(rng.choice(USCC_CHARSET[:10] + "MN") for _ in range(9))
    return first17 + uscc_check_character(first17)


def _photo() -> SimpleUploadedFile:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 200), (236, 240, 244))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 280, 160), outline=(200, 40, 40), width=6)
    draw.line((40, 160, 280, 40), fill=(200, 40, 40), width=6)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return SimpleUploadedFile("demo.png", out.getvalue(), content_type="image/png")


def load_demo(*, seed: int) -> str:
    if InspectionItem.objects.exists():
        return "综合监管演示数据已存在，未重复生成"
    rng = random.Random(seed)
    today = timezone.localdate()
    city = User.objects.filter(username="city").first() or User.objects.filter(role="city_admin").first()
    inspector_user = User.objects.filter(username="inspector").first()
    with transaction.atomic():
        items = {}
        for code, name, basis, dept, method, kind, ratio, kinds, checklist in ITEMS:
            items[code] = InspectionItem.objects.create(code=code, name=name, legal_basis=basis, department=dept,
                                                        method=method, kind=kind, max_ratio_percent=ratio,
                                                        target_kinds=kinds, checklist=checklist)
        # Registration numbers: institutions and providers need a unified social credit code.
        for inst in Institution.objects.filter(credit_code=""):
            inst.credit_code = _uscc(rng, inst.division_code[:6])
            inst.save(update_fields=["credit_code", "updated_at"])
        for org in Organisation.objects.filter(kind=OrganisationKind.PROVIDER, credit_code=""):
            org.credit_code = _uscc(rng, org.division_code[:6])
            org.save(update_fields=["credit_code", "updated_at"])
        extra = [("阳江市颐乐居家养老服务有限公司", "441704001"), ("阳春市安康居家养老服务中心", "441781001")]
        for name, code in extra:
            Organisation.objects.get_or_create(name=name, defaults={"kind": OrganisationKind.PROVIDER, "division_code": code,
                                                                    "credit_code": _uscc(rng, code[:6])})
        services.refresh_targets(by=city)
        for name, code in FACILITIES:
            Target.objects.create(kind=TargetKind.FACILITY, name=name, reg_no=_uscc(rng, code[:6]), division_code=code)
        inspectors = {}
        for code, name, dept in INSPECTORS:
            inspectors[code] = Inspector.objects.create(code=code, name=name, department=dept,
                                                        user=inspector_user if name == "谢文涛" else None)
        targets = list(Target.objects.order_by("reg_no"))
        institutions = [t for t in targets if t.kind == TargetKind.INSTITUTION]
        services.conflict_add(by=city, inspector=inspectors["44170002"], target=institutions[0],
                              kind=ConflictKind.FORMER_EMPLOYER, note="2019—2022年在该院任护理部主任")
        services.conflict_add(by=city, inspector=inspectors["44171002"], target=institutions[1],
                              kind=ConflictKind.RELATIVE, note="配偶在该院任财务")

        # Complaints (risk flags) and credit records.
        complaint_rows = [
            ("abuse", 200, "12345热线", "家属反映护理员对卧床老人态度粗暴，有推搡行为。", institutions[2], "市公安局", True),
            ("fundraising", 150, "来信", "某机构以“预交十年床位费返利”为名向老年人吸收资金。", None, "市金融工作局", True),
            ("false_ad", 95, "来访", "社区讲座推销“包治百病”保健品，老人花费两万余元。", None, "市市场监管局", False),
            ("service", 60, "网络", "饭菜长期不符合公示的营养配餐标准。", institutions[3], "市民政局", None),
            ("abuse", 20, "12345热线", "反映老人身上有不明淤青，怀疑被约束。", institutions[4], "", None),
            ("false_ad", 5, "12345热线", "有人上门推销“量子保健床垫”，称可治高血压。", None, "", None),
        ]
        for category, days_ago, channel, summary, target, referred, substantiated in complaint_rows:
            c = services.complaint_create(by=city, category=category, received_on=today - dt.timedelta(days=days_ago),
                                          channel=channel, summary=summary, target=target,
                                          subject_name="" if target else "（名录外）某养生馆", division_code="441702001001")
            if referred:
                services.complaint_refer(by=city, complaint=c, department=referred,
                                         on=today - dt.timedelta(days=days_ago - 2))
            if substantiated is not None:
                services.complaint_close(by=city, complaint=c, substantiated=substantiated,
                                         outcome="经调查属实，已责令整改并依法处理。" if substantiated else "经核查不属实，已回复投诉人。",
                                         on=today - dt.timedelta(days=max(days_ago - 20, 1)))
        for t in institutions:
            inst = t.institution
            services.credit_add(by=city, target=t, kind=CreditKind.FILING, title=f"养老机构备案：{inst.licence_no}",
                                authority="阳江市民政局" if inst.division_code[:6] == "441702" else "县（市、区）民政局",
                                decided_on=inst.licence_date or dt.date(2021, 3, 1), document_no=inst.licence_no)
        services.credit_add(by=city, target=institutions[2], kind=CreditKind.PENALTY, title="未按规定落实防跌倒措施，警告并罚款5000元",
                            authority="阳江市民政局", decided_on=today - dt.timedelta(days=120),
                            document_no="阳民罚决字〔2026〕3号", valid_until=today + dt.timedelta(days=900))
        services.credit_add(by=city, target=institutions[5], kind=CreditKind.JOINT_PUNISHMENT,
                            title="列入养老服务领域失信联合惩戒对象名单（非法集资）", authority="阳江市民政局",
                            decided_on=today - dt.timedelta(days=80), document_no="阳民函〔2026〕41号",
                            valid_until=today + dt.timedelta(days=1000))
        services.credit_add(by=city, target=institutions[0], kind=CreditKind.COMMENDATION, title="2025年度全市养老服务质量建设专项行动先进单位",
                            authority="阳江市民政局", decided_on=dt.date(2026, 1, 20), document_no="阳民〔2026〕5号")

        # The third quarter: drawn in July, published, inspections in every state.
        q3 = services.plan_create(by=city, title="2026年第三季度养老服务领域“双随机、一公开”联合抽查", period="2026年第3季度",
                                  items=[items["YL-01"], items["YL-02"], items["YL-04"], items["YL-05"]], ratio_percent=30,
                                  departments=[CIVIL, MARKET])
        services.announce_seed(by=city, plan=q3, seed="2026078-03-11-17-22-29-31", source="中国福利彩票双色球第2026078期开奖号码（7月9日）")
        record = services.perform_draw(by=city, plan=q3, today=dt.date(2026, 7, 10))
        services.publish_draw(by=city, plan=q3)
        announced, drawn = dt.datetime(2026, 7, 9, 21, 30, tzinfo=dt.UTC), dt.datetime(2026, 7, 10, 2, 0, tzinfo=dt.UTC)
        DrawPlan.objects.filter(pk=q3.pk).update(seed_announced_at=announced, created_at=announced - dt.timedelta(days=5))
        document = record.document
        document["plan"].update(seed_announced_at=announced.isoformat(), drawn_at=drawn.isoformat())
        DrawRecord.objects.filter(pk=record.pk).update(drawn_at=drawn, published_at=drawn + dt.timedelta(hours=3),
                                                      document=document)
        states = ["published", "published", "published", "due", "rectifying", "late", "in_progress", "planned"]
        for n, inspection in enumerate(Inspection.objects.filter(plan=q3).select_related("item").order_by("pk")):
            state = states[n % len(states)]
            if state == "planned":
                continue
            start = {"published": dt.date(2026, 8, 3), "due": today - dt.timedelta(days=30),
                     "rectifying": dt.date(2026, 9, 7), "late": dt.date(2026, 9, 21),
                     "in_progress": today - dt.timedelta(days=3)}[state] + dt.timedelta(days=n % 5)
            services.inspection_start(by=city, inspection=inspection, started_on=start)
            answers = {p: ("no" if k == 1 and state in ("rectifying", "late") else "yes")
                       for k, p in enumerate(inspection.item.checklist)}
            services.checklist_save(by=city, inspection=inspection, answers=answers)
            if state == "in_progress":
                services.finding_add(by=city, inspection=inspection, description="部分房间呼叫器失灵。", photo=_photo())
                continue
            conclusion = Conclusion.COMPLIANT
            if state in ("rectifying", "late"):
                services.finding_add(by=city, inspection=inspection, description="夜间巡查记录缺失，防跌倒扶手未安装。",
                                     photo=_photo())
                order = services.rectification_order(by=city, inspection=inspection, requirement="30日内安装走廊扶手，完善夜间巡查记录。",
                                                     deadline=today + dt.timedelta(days=10))
                from .models import Rectification

                Rectification.objects.filter(pk=order.pk).update(
                    deadline=today - dt.timedelta(days=4) if state == "late" else today + dt.timedelta(days=5))
                conclusion = Conclusion.RECTIFY
            end = start + dt.timedelta(days=2)
            if state == "due":
                end = today - dt.timedelta(days=25)
            services.inspection_finish(by=city, inspection=inspection, ended_on=end, conclusion=conclusion)
            if state == "published":
                services.publish_result(by=city, inspection=inspection)
                Inspection.objects.filter(pk=inspection.pk).update(
                    published_at=dt.datetime.combine(end + dt.timedelta(days=10), dt.time(9), tzinfo=dt.UTC))

        # Annual on-site inspections outside the draw (one institution), and the fourth quarter ready to draw.
        routine = Inspection.objects.create(item=items["YL-02"], target=institutions[-1], division_code=institutions[-1].division_code)
        routine.inspectors.set([inspectors["44170003"], inspectors["44170004"]])
        services.inspection_start(by=city, inspection=routine, started_on=dt.date(2026, 5, 12))
        services.checklist_save(by=city, inspection=routine, answers={p: "yes" for p in items["YL-02"].checklist})
        services.inspection_finish(by=city, inspection=routine, ended_on=dt.date(2026, 5, 12), conclusion=Conclusion.COMPLIANT)
        services.publish_result(by=city, inspection=routine)
        q4 = services.plan_create(by=city, title="2026年第四季度养老服务领域“双随机、一公开”联合抽查", period="2026年第4季度",
                                  items=[items["YL-02"], items["YL-03"], items["YL-04"]], ratio_percent=25,
                                  departments=[CIVIL, FIRE])
        services.announce_seed(by=city, plan=q4, seed="2026137-05-09-14-20-26-33", source="中国福利彩票双色球第2026137期开奖号码（11月26日）")
        services.plan_create(by=city, title="2027年第一季度养老服务领域“双随机、一公开”抽查（草稿）", period="2027年第1季度",
                             items=[items["YL-01"], items["YL-05"]], ratio_percent=20, departments=[CIVIL])

        # Fire safety: institutions meeting the requirements but lacking paperwork, and their handling.
        homes = list(Institution.objects.order_by("pk"))
        if len(homes) > 8:
            services.fire_case_create(by=city, institution=homes[8], missing_paperwork="消防验收（备案）手续",
                                      handling="经消防技术服务机构评估符合要求，按“一院一策”补办消防备案，期间加强夜间巡查。",
                                      deadline=today + dt.timedelta(days=60))
        if len(homes) > 3:
            Institution.objects.filter(pk=homes[3].pk).update(fire_safety=FireSafety.UNKNOWN)
            case = services.fire_case_create(by=city, institution=homes[3], missing_paperwork="建设工程消防设计审查意见",
                                             handling="由住建部门组织专家论证，出具消防安全评估意见后纳入备案管理。",
                                             deadline=today - dt.timedelta(days=20))
            services.fire_case_resolve(by=city, case=case, on=today - dt.timedelta(days=25))
        services.refresh_risk()
    total = Inspection.objects.count()
    return f"综合监管：抽查事项 {len(ITEMS)} 项，检查对象 {Target.objects.count()} 个，检查人员 {len(INSPECTORS)} 名，检查 {total} 项"
