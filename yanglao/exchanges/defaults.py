"""The exchanges the platform runs itself (seeded by migration 0002; re-created if a test flushed them)."""

from __future__ import annotations

from typing import Any

BUILT_IN = [
    ("national-batch", "全国养老服务信息系统批量报送", "广东省民政厅（全国养老服务信息系统）", "out",
     "养老机构及床位、入住老年人、基本养老服务对象、居家适老化改造、家庭养老床位、服务机构及从业人员", "quarterly",
     "全国系统批量导入文件（8 个 .xlsx）", "2026.1", "民函〔2024〕5号；金民工程"),
    ("national-return", "全国系统回传名单", "广东省民政厅（全国养老服务信息系统）", "in",
     "已在全国系统登记的老年人（姓名、身份证号码、全国系统编号、登记日期）", "on_demand", "回传名单 .xlsx/.csv", "1.0",
     "民函〔2024〕5号"),
    ("ltc-settlement", "长期护理保险月度结算清单", "阳江市医疗保障局", "in",
     "当月享受长护险待遇人员：护理方式、失能等级、服务天数、基金支付金额、定点护理机构", "monthly",
     "结算清单 .xlsx/.csv", "1.0", "医保办发〔2021〕37号；防止护理补贴与长护险重复享受"),
    ("ltc-status", "长期护理保险待遇与评估", "阳江市医疗保障局", "in",
     "失能等级评估结论（3项一级、17项二级指标）、待遇状态与等级、定点护理机构、护理计划", "monthly",
     "逐条登记（本版无批量格式）", "1.0", "医保办发〔2021〕37号"),
    ("match-death", "死亡人员名单比对", "市公安局、市卫生健康局、殡葬管理所", "in", "死亡人员（姓名、身份证号码、死亡日期）",
     "monthly", "数据比对名单", "1.0", "津贴补贴数据比对"),
    ("match-moved_away", "户籍迁出名单比对", "市公安局", "in", "户籍迁出人员（迁出日期）", "monthly", "数据比对名单", "1.0",
     "津贴补贴数据比对"),
    ("match-prison", "服刑人员名单比对", "市司法局、监狱管理部门", "in", "服刑人员（入狱日期）", "monthly", "数据比对名单",
     "1.0", "津贴补贴数据比对"),
    ("match-assistance", "低保、特困变动名单比对", "市民政局社会救助科", "in", "低保、特困、低保边缘的纳入与退出",
     "monthly", "数据比对名单", "1.0", "津贴补贴数据比对"),
    ("match-disability", "残疾人证名单比对", "市残疾人联合会", "in", "残疾人证（残疾等级、发证日期）", "monthly",
     "数据比对名单", "1.0", "津贴补贴数据比对"),
]


def ensure_exchanges(model: Any = None) -> None:
    if model is None:
        from .models import Exchange

        model = Exchange
    for code, name, partner, direction, carries, frequency, layout, version, basis in BUILT_IN:
        model.objects.get_or_create(code=code, defaults={
            "name": name, "partner": partner, "direction": direction, "carries": carries, "frequency": frequency,
            "layout": layout, "layout_version": version, "basis": basis, "built_in": True, "division_code": "4417"})
