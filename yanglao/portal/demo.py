"""Demo data of the public portal: policy texts in plain language (each on a demo programme or a demo
document), the investor support measures, each care home's listing (price range, introduction; no photos:
the homes have not sent any), and subsidy applications in every state so the public lookup has something
to find. Amounts and document numbers are 演示数值."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yanglao.core.audit import AuditActor, audit_context

from .models import InstitutionListing, PolicyKind, PolicyText

DOC = "阳江市加快推进养老服务发展若干措施"
GD_DOC = "广东省人民政府办公厅关于印发广东省加快推进养老服务发展若干措施的通知"

SUBSIDIES = [
    ("gaoling", "高龄津贴", "年满80周岁、户籍在阳江市的老年人",
     "年满80周岁就可以每月领取高龄津贴，年纪越大标准越高。不用交材料：民政部门按户籍信息自动发放到本人的社保卡或银行账户。\n每年要做一次生存认证（可以在手机上做，也可以由村居工作人员上门）。",
     "不用申请，满80周岁的次月自动纳入。没有收到的，请带身份证到户籍所在村（社区）居委会查询。"),
    ("fuwu-butie", "经济困难高龄老年人服务补贴", "低保、特困等经济困难家庭中年满80周岁的老年人",
     "家里经济困难、年纪又大的老人，政府每月补贴一笔钱，用来购买上门做饭、打扫、陪护等居家养老服务。",
     "到户籍所在镇（街道）民政办或村（社区）居委会提出申请，带上身份证和低保证（或特困证）。"),
    ("huli-butie", "经济困难失能老年人护理补贴", "经济困难并经能力评估为失能（中度及以上）的老年人",
     "生活不能自理的经济困难老人，先做一次免费的老年人能力评估，评估为中度、重度失能或完全失能的，按等级每月发放护理补贴。",
     "到户籍所在镇（街道）民政办申请，工作人员会安排评估员上门评估。受理后给您一张印有查询编号的《受理回执》，可以在本站“查询进度”里看办到哪一步。"),
]

SERVICE_POLICIES = [
    ("公办养老机构评估轮候", "需要入住公办养老院的老年人",
     "公办养老院（社会福利中心、敬老院）的床位按轮候顺序安排：特困人员优先、应收尽收，其次是经济困难的失能、失智老人，计划生育特殊家庭和优抚对象等。同一类别内按申请时间先后排队。",
     "到户籍所在镇（街道）民政办申请，带身份证、户口簿和能力评估结果。受理后给您《受理回执》，回执上的查询编号用来在本站查询排第几位。"),
    ("居家和社区养老服务", "居住在家的老年人",
     "政府向服务商购买助餐、助洁、助浴、助医、陪护等上门服务，符合条件的老年人享受补贴，其余自付。长者饭堂为老人提供平价餐，特困、低保等老人有助餐补贴。",
     "拨打12349养老服务热线，或到所在村（社区）居委会登记。"),
]

SUPPORT = [
    ("养老机构建设补贴", "对新增养老床位按床给予一次性建设补贴，护理型床位标准更高。", "市民政局、市财政局"),
    ("养老机构运营补贴", "按收住老年人的能力等级和机构星级按月给予运营补贴，医养结合机构加补。", "市民政局、市财政局"),
    ("用地保障", "养老服务设施用地纳入国土空间规划，非营利性养老机构可以划拨方式取得用地。", "市自然资源局"),
    ("税费减免", "养老服务机构提供的养老服务免征增值税，用电、用水、用气按居民生活类价格执行。", "市税务局、市发展改革局"),
    ("公建民营", "新建公办养老设施原则上交由社会力量运营，运营方通过公开招标确定。", "市民政局"),
    ("医养结合", "养老机构内设医疗机构实行备案管理，符合条件的纳入医保定点。", "市卫生健康局、市医保局"),
    ("人才培养补贴", "养老护理员参加职业技能培训并取得证书的，按规定给予培训补贴和入职补贴。", "市人力资源社会保障局"),
    ("金融支持", "鼓励金融机构为养老服务企业提供贷款，符合条件的给予贷款贴息。", "市金融工作局"),
]

# (price_min, price_max) per home in the institutions demo order; None: not published
PRICES = [(1800, 4200), (1200, 2600), (1600, 3800), (1300, 2800), (1500, 3200), (1600, 3600), (1100, 2400),
          (2800, 6800), (2600, 5200), None]


def load_demo(*, seed: int) -> str:
    if PolicyText.objects.exists():
        return "信息公开演示数据已存在，未重复生成"
    from yanglao.benefits.models import Programme
    from yanglao.institutions.models import Institution

    programmes = {p.code: p for p in Programme.objects.all()}
    with audit_context(actor=AuditActor(user_id=None, username="cli:load_demo")), transaction.atomic():
        for i, (code, title, audience, summary, how) in enumerate(SUBSIDIES):
            p = programmes.get(code)
            PolicyText.objects.create(
                kind=PolicyKind.SUBSIDY, title=title, audience=audience, summary=summary, how_to_apply=how,
                programme=p, document_title=f"{DOC}（演示）", document_no=p.legal_basis if p else "阳民〔演示〕号",
                issuing_unit=p.issuing_unit if p else "阳江市民政局（演示）", issued_on=dt.date(2024, 1, 15), order=i)
        for i, (title, audience, summary, how) in enumerate(SERVICE_POLICIES):
            PolicyText.objects.create(kind=PolicyKind.SERVICE, title=title, audience=audience, summary=summary,
                                      how_to_apply=how, document_title=f"{DOC}（演示）", document_no="阳府办〔演示〕5号",
                                      issuing_unit="阳江市人民政府办公室（演示）", issued_on=dt.date(2020, 6, 1), order=i)
        for i, (title, summary, department) in enumerate(SUPPORT):
            PolicyText.objects.create(kind=PolicyKind.SUPPORT, title=title, audience="养老服务投资者、养老机构运营方",
                                      summary=summary, department=department, document_title=GD_DOC,
                                      document_no="粤府办〔2019〕23号", issuing_unit="广东省人民政府办公厅",
                                      issued_on=dt.date(2019, 12, 20), order=i)
        homes = list(Institution.objects.order_by("pk"))
        for inst, price in zip(homes, PRICES, strict=False):
            InstitutionListing.objects.create(
                institution=inst, price_min=Decimal(price[0]) if price else None,
                price_max=Decimal(price[1]) if price else None,
                price_note="含床位费、护理费、伙食费；按护理等级收费（演示数值）" if price else "",
                introduction=f"{inst.name}位于{inst.address}，提供生活照料、康复护理、精神慰藉等服务。")
    enrolments = _enrolments(seed)
    return f"信息公开：政策文本 {PolicyText.objects.count()} 条，机构公开信息 {len(homes)} 家，补贴申请 {enrolments} 件"


def _enrolments(seed: int) -> int:
    """Subsidy applications in every state (待审核, 已审核, 未通过) for the public lookup."""
    from yanglao.benefits import services
    from yanglao.benefits.models import Programme
    from yanglao.core.models import User
    from yanglao.people.models import Person

    programme = Programme.objects.filter(code="huli-butie").first()
    maker = User.objects.filter(username="jiangcheng").first()
    checker = User.objects.filter(username="city").first()
    if programme is None or maker is None or checker is None:
        return 0
    rng = random.Random(seed)
    people = list(Person.objects.filter(division_code__startswith="441702", status="active")
                  .exclude(benefit_enrolments__programme=programme).order_by("pk")[:6])
    month = timezone.localdate().replace(day=1)
    made = 0
    for i, person in enumerate(people):
        try:
            e = services.enrolment_apply(by=maker, person=person, programme=programme, from_month=month,
                                         note="演示：申请护理补贴")
            if i % 3 == 1:
                services.enrolment_decide(by=checker, enrolment=e, approve=True, note="演示：评估为中度失能")
            elif i % 3 == 2:
                services.enrolment_decide(by=checker, enrolment=e, approve=rng.random() < 0.3,
                                          note="演示：评估为能力完好，不符合条件")
            made += 1
        except Exception:  # noqa: BLE001 - a demo row that does not fit (scope, constraint) is skipped
            continue
    return made
