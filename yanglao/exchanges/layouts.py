"""The batch files for the national elderly-care information system (全国养老服务信息系统), as data.

The national system takes data by entry and by batch import, not by a live interface. Each file here
has a layout: its columns in order, each with a type, whether it is required, its length and, for a
coded column, its code list. The layout has a version; a change of columns or codes is a new version,
and a batch records the versions it used. `docs/exchanges.md` prints the same table (generated from
this module: `yanglao exchanges_layouts`).

Check before use: the columns follow the national system's batch-import templates as the platform
understands them; the province's current template is authoritative, and a difference is a new version
here, not an edit of an old one.

Each file is produced by one query (a join over the module's tables, never a loop of queries); only
ID numbers are decrypted row by row, in memory, for the file.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from yanglao.core.idnumber import IdNumberError, parse_id_number
from yanglao.core.validators import uscc_check_character

CITY = "4417"

YES_NO = {"1": "是", "0": "否"}
SEX = {"1": "男", "2": "女"}
OWNERSHIP = {"1": "公办", "2": "公建民营", "3": "民办非营利", "4": "民办营利", "5": "港澳投资"}
BED_TYPE = {"1": "护理型", "2": "普通型"}
BED_STATUS = {"1": "空闲", "2": "已入住", "3": "已预留", "4": "停用"}
CARE_LEVEL = {"0": "能力完好", "1": "能力轻度受损（轻度失能）", "2": "能力中度受损（中度失能）",
              "3": "能力重度受损（重度失能）", "4": "能力完全丧失（完全失能）"}
TARGET = {"01": "特困供养", "02": "低保", "03": "低保边缘", "04": "经济困难", "05": "计划生育特殊家庭",
          "06": "重度残疾", "07": "退役军人及其他优抚对象"}
PROJECT_STATUS = {"1": "已申请", "2": "已评估", "3": "施工中", "4": "待验收", "5": "已验收", "9": "不予通过"}
CARE_BED_STATUS = {"1": "服务中", "2": "已撤床"}
STAFF_ROLE = {"1": "养老护理员", "2": "管理人员"}
SKILL = {"0": "未取得等级", "5": "五级/初级工", "4": "四级/中级工", "3": "三级/高级工", "2": "二级/技师",
         "1": "一级/高级技师"}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str  # text, id, uscc, division, date, int, money, code
    required: bool = True
    max_len: int = 0
    codes: dict[str, str] = field(default_factory=dict)
    note: str = ""

    @property
    def type_label(self) -> str:
        return {"text": "文本", "id": "公民身份号码（18位）", "uscc": "统一社会信用代码（18位）",
                "division": "行政区划代码（12位）", "date": "日期 YYYY-MM-DD", "int": "整数",
                "money": "金额（元，两位小数）", "code": "代码"}[self.kind]


@dataclass(frozen=True)
class Layout:
    code: str
    title: str
    version: str
    description: str
    columns: tuple[Column, ...]
    rows: Callable[[dt.date, dt.date], Iterable[dict[str, Any]]]  # (period start, end) -> rows with "_record"

    @property
    def filename_stem(self) -> str:
        return f"{self.code}_v{self.version}"


# --------------------------------------------------------------------------- the queries


def _id(enc: str) -> str:
    from yanglao.core.crypto import decrypt

    try:
        return decrypt(enc) if enc else ""
    except Exception:  # a value that cannot be read is reported by the check, never written
        return ""


def _who(name: str, masked: str) -> str:
    return f"{name}（尾号{(masked or '')[-4:]}）"


def _institutions(start: dt.date, end: dt.date) -> Iterable[dict[str, Any]]:
    from django.db.models import Max

    from yanglao.institutions.models import Institution

    own = {"public": "1", "public_private": "2", "private_nonprofit": "3", "private_forprofit": "4", "hk_macao": "5"}
    qs = Institution.objects.annotate(stars=Max("ratings__level")).order_by("division_code", "pk").values(
        "pk", "name", "credit_code", "division_code", "address", "ownership", "licence_no", "capacity",
        "has_medical_unit", "stars", "phone")
    for r in qs:
        yield {"_record": f"机构：{r['name']}", "name": r["name"], "credit_code": r["credit_code"],
               "division": r["division_code"], "address": r["address"], "ownership": own.get(r["ownership"], ""),
               "licence_no": r["licence_no"], "capacity": r["capacity"], "medical": "1" if r["has_medical_unit"] else "0",
               "stars": r["stars"] or 0, "phone": r["phone"]}


def _beds(start: dt.date, end: dt.date) -> Iterable[dict[str, Any]]:
    from yanglao.institutions.models import Bed

    status = {"vacant": "1", "occupied": "2", "reserved": "3", "out_of_service": "4"}
    qs = Bed.objects.order_by("institution_id", "building", "floor", "room", "number").values(
        "institution__name", "institution__credit_code", "building", "floor", "room", "number", "bed_type", "status")
    for r in qs:
        yield {"_record": f"{r['institution__name']} {r['building']}-{r['room']}-{r['number']}",
               "credit_code": r["institution__credit_code"], "building": r["building"], "floor": r["floor"],
               "room": r["room"], "number": r["number"], "bed_type": "1" if r["bed_type"] == "nursing" else "2",
               "status": status.get(r["status"], "")}


def _levels(end: dt.date) -> dict[int, int]:
    from yanglao.assessments.selectors import current_levels

    return {r["person_id"]: r["level"] for r in current_levels(end)}


def _residents(start: dt.date, end: dt.date) -> Iterable[dict[str, Any]]:
    from django.db.models import Q

    from yanglao.institutions.models import Residency

    levels = _levels(end)
    qs = Residency.objects.filter(admitted_on__lte=end).filter(Q(discharged_on__isnull=True) | Q(discharged_on__gt=end)) \
        .order_by("institution_id", "pk").values(
            "person_id", "person__name", "person__id_number_enc", "person__id_number_masked", "institution__name",
            "institution__credit_code", "admitted_on", "bed__building", "bed__room", "bed__number")
    for r in qs:
        bed = "-".join(x for x in (r["bed__building"], r["bed__room"], r["bed__number"]) if x)
        level = levels.get(r["person_id"])
        yield {"_record": _who(r["person__name"], r["person__id_number_masked"]), "name": r["person__name"],
               "id_number": _id(r["person__id_number_enc"]), "credit_code": r["institution__credit_code"],
               "institution": r["institution__name"], "admitted_on": r["admitted_on"], "bed": bed,
               "care_level": "" if level is None else str(level)}


def _basic_list(start: dt.date, end: dt.date) -> Iterable[dict[str, Any]]:
    from django.db.models import Q

    from yanglao.people.models import PersonCategory

    codes = {"tekun": "01", "dibao": "02", "dibao_edge": "03", "economic_hardship": "04",
             "family_planning_special": "05", "severe_disability": "06", "veteran": "07"}
    levels = _levels(end)
    qs = PersonCategory.objects.filter(category__in=list(codes), valid_from__lte=end, person__status="active") \
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=end)).order_by("person__division_code", "person_id", "category") \
        .values("person_id", "person__name", "person__id_number_enc", "person__id_number_masked", "person__sex",
                "person__division_code", "category", "valid_from")
    for r in qs:
        level = levels.get(r["person_id"])
        yield {"_record": _who(r["person__name"], r["person__id_number_masked"]), "name": r["person__name"],
               "id_number": _id(r["person__id_number_enc"]), "sex": "1" if r["person__sex"] == "M" else "2",
               "division": r["person__division_code"], "target": codes[r["category"]], "since": r["valid_from"],
               "care_level": "" if level is None else str(level)}


def _yuan(fen: int | None) -> Decimal:
    return (Decimal(fen or 0) / 100).quantize(Decimal("0.01"))


def _adaptations(start: dt.date, end: dt.date) -> Iterable[dict[str, Any]]:
    from django.db.models import Q

    from yanglao.homeadapt.models import Project

    status = {"applied": "1", "assessed": "2", "construction": "3", "awaiting": "4", "accepted": "5", "rejected": "9"}
    qs = Project.objects.filter(applied_on__lte=end).filter(
        Q(accepted_on__isnull=True) | Q(accepted_on__gte=start)).order_by("number").values(
        "number", "person__name", "person__id_number_enc", "person__id_number_masked", "division_code", "applied_on",
        "assessed_on", "total_fen", "subsidy_fen", "contractor__name", "completed_on", "accepted_on", "status")
    for r in qs:
        yield {"_record": f"项目 {r['number']} {_who(r['person__name'], r['person__id_number_masked'])}",
               "number": r["number"], "name": r["person__name"], "id_number": _id(r["person__id_number_enc"]),
               "division": r["division_code"], "applied_on": r["applied_on"], "assessed_on": r["assessed_on"],
               "total": _yuan(r["total_fen"]), "subsidy": _yuan(r["subsidy_fen"]),
               "contractor": r["contractor__name"] or "", "completed_on": r["completed_on"],
               "accepted_on": r["accepted_on"], "status": status.get(r["status"], "")}


def _care_beds(start: dt.date, end: dt.date) -> Iterable[dict[str, Any]]:
    from django.db.models import Count, Q

    from yanglao.homeadapt.models import CareBed

    qs = CareBed.objects.filter(started_on__lte=end).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=start)) \
        .annotate(served=Count("records", filter=Q(records__served_on__gte=start, records__served_on__lte=end))) \
        .order_by("number").values(
            "number", "person__name", "person__id_number_enc", "person__id_number_masked", "division_code",
            "institution__name", "institution__credit_code", "started_on", "visits_per_month", "served", "ended_on",
            "status")
    for r in qs:
        yield {"_record": f"床位 {r['number']} {_who(r['person__name'], r['person__id_number_masked'])}",
               "number": r["number"], "name": r["person__name"], "id_number": _id(r["person__id_number_enc"]),
               "division": r["division_code"], "institution": r["institution__name"] or "",
               "credit_code": r["institution__credit_code"] or "", "started_on": r["started_on"],
               "visits_per_month": r["visits_per_month"], "served": r["served"], "ended_on": r["ended_on"],
               "status": "1" if r["status"] == "active" else "2"}


def _providers(start: dt.date, end: dt.date) -> Iterable[dict[str, Any]]:
    from yanglao.homecare.models import Provider

    qs = Provider.objects.order_by("division_code", "pk").values(
        "name", "organisation__credit_code", "division_code", "contact_name", "phone", "active")
    for r in qs:
        yield {"_record": f"服务机构：{r['name']}", "name": r["name"], "credit_code": r["organisation__credit_code"] or "",
               "division": r["division_code"], "contact": r["contact_name"], "phone": r["phone"],
               "active": "1" if r["active"] else "0"}


def _staff(start: dt.date, end: dt.date) -> Iterable[dict[str, Any]]:
    from yanglao.workforce.models import Caregiver

    qs = Caregiver.objects.filter(status="employed", employed_since__lte=end).order_by("division_code", "pk").values(
        "name", "id_number_enc", "id_number_masked", "sex", "institution__name", "employer__name", "role",
        "skill_level", "certificate_no", "employed_since")
    for r in qs:
        yield {"_record": _who(r["name"], r["id_number_masked"]), "name": r["name"], "id_number": _id(r["id_number_enc"]),
               "sex": "1" if r["sex"] == "M" else "2", "employer": r["institution__name"] or r["employer__name"] or "",
               "role": "1" if r["role"] == "carer" else "2", "skill": str(r["skill_level"]),
               "certificate_no": r["certificate_no"], "employed_since": r["employed_since"]}


# --------------------------------------------------------------------------- the layouts

C = Column
LAYOUTS: tuple[Layout, ...] = (
    Layout("yljg", "养老机构基本信息", "1.0", "全部养老机构（含公办、公建民营、民办），截至报送期末。", (
        C("name", "机构名称", "text", max_len=128), C("credit_code", "统一社会信用代码", "uscc"),
        C("division", "所在地行政区划代码", "division"), C("address", "详细地址", "text", max_len=200),
        C("ownership", "机构性质", "code", codes=OWNERSHIP), C("licence_no", "备案或许可编号", "text", False, 64),
        C("capacity", "核定床位数", "int"), C("medical", "是否内设医疗机构", "code", codes=YES_NO),
        C("stars", "等级评定星级", "int", False, note="0 表示未评定"), C("phone", "联系电话", "text", False, 20)),
        _institutions),
    Layout("ylcw", "养老机构床位", "1.0", "每张床位一行，截至报送期末的状态。", (
        C("credit_code", "机构统一社会信用代码", "uscc"), C("building", "楼栋", "text", max_len=32),
        C("floor", "楼层", "text", max_len=8), C("room", "房间号", "text", max_len=16),
        C("number", "床位号", "text", max_len=8), C("bed_type", "床位类型", "code", codes=BED_TYPE),
        C("status", "床位状态", "code", codes=BED_STATUS)), _beds),
    Layout("rzlr", "入住老年人", "1.0", "报送期末在院的老年人。", (
        C("name", "姓名", "text", max_len=32), C("id_number", "公民身份号码", "id"),
        C("credit_code", "入住机构统一社会信用代码", "uscc"), C("institution", "入住机构名称", "text", max_len=128),
        C("admitted_on", "入住日期", "date"), C("bed", "床位", "text", False, 40),
        C("care_level", "能力等级（GB/T 42195）", "code", False, codes=CARE_LEVEL)), _residents),
    Layout("jbfw", "基本养老服务对象", "1.0", "报送期末仍有效的特困、低保、低保边缘、经济困难等对象，每人每类别一行。", (
        C("name", "姓名", "text", max_len=32), C("id_number", "公民身份号码", "id"),
        C("sex", "性别", "code", codes=SEX), C("division", "居住地行政区划代码", "division"),
        C("target", "对象类别", "code", codes=TARGET), C("since", "认定日期", "date"),
        C("care_level", "能力等级（GB/T 42195）", "code", False, codes=CARE_LEVEL)), _basic_list),
    Layout("shlgz", "居家适老化改造项目", "1.0", "报送期内申请、在办或验收的项目，含评估、施工和验收。", (
        C("number", "项目编号", "text", max_len=20), C("name", "姓名", "text", max_len=32),
        C("id_number", "公民身份号码", "id"), C("division", "改造地行政区划代码", "division"),
        C("applied_on", "申请日期", "date"), C("assessed_on", "需求评估日期", "date", False),
        C("total", "改造金额", "money"), C("subsidy", "补贴金额", "money"),
        C("contractor", "施工单位", "text", False, 128), C("completed_on", "完工日期", "date", False),
        C("accepted_on", "验收日期", "date", False), C("status", "项目状态", "code", codes=PROJECT_STATUS)), _adaptations),
    Layout("jtcw", "家庭养老床位", "1.0", "报送期内在床的家庭养老床位，含本期实际服务次数。", (
        C("number", "床位编号", "text", max_len=20), C("name", "姓名", "text", max_len=32),
        C("id_number", "公民身份号码", "id"), C("division", "床位所在地行政区划代码", "division"),
        C("institution", "服务机构名称", "text", max_len=128), C("credit_code", "服务机构统一社会信用代码", "uscc"),
        C("started_on", "建床日期", "date"), C("visits_per_month", "每月约定服务次数", "int"),
        C("served", "本期实际服务次数", "int"), C("ended_on", "撤床日期", "date", False),
        C("status", "床位状态", "code", codes=CARE_BED_STATUS)), _care_beds),
    Layout("fwjg", "居家社区养老服务机构", "1.0", "在本平台登记的居家社区养老服务商。", (
        C("name", "机构名称", "text", max_len=128), C("credit_code", "统一社会信用代码", "uscc"),
        C("division", "注册地行政区划代码", "division"), C("contact", "联系人", "text", False, 32),
        C("phone", "联系电话", "text", False, 20), C("active", "是否在服务", "code", codes=YES_NO)), _providers),
    Layout("cyry", "养老服务从业人员", "1.0", "报送期末在岗的养老护理员和管理人员。", (
        C("name", "姓名", "text", max_len=32), C("id_number", "公民身份号码", "id"), C("sex", "性别", "code", codes=SEX),
        C("employer", "工作单位", "text", max_len=128), C("role", "岗位", "code", codes=STAFF_ROLE),
        C("skill", "职业技能等级", "code", codes=SKILL), C("certificate_no", "职业技能等级证书编号", "text", False, 40),
        C("employed_since", "入职日期", "date")), _staff),
)
BY_CODE = {layout.code: layout for layout in LAYOUTS}
LAYOUT_SET_VERSION = "2026.1"  # the set of versions above, as a batch records it

_DIVISION = re.compile(r"4417\d{8}")
_USCC = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}")


# --------------------------------------------------------------------------- checking


def check_value(column: Column, value: Any, *, today: dt.date) -> tuple[Any, str]:
    """The value as it goes into the file, and the reason it fails ('' when it passes)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "", "必填，不能为空" if column.required else ""
    kind = column.kind
    if kind == "text":
        text = " ".join(str(value).split())
        if column.max_len and len(text) > column.max_len:
            return text, f"超过 {column.max_len} 个字"
        return text, ""
    if kind == "id":
        try:
            return parse_id_number(str(value), today=today).value, ""
        except IdNumberError as exc:
            return "", exc.message
    if kind == "uscc":
        text = str(value).strip().upper()
        if not _USCC.fullmatch(text):
            return text, "统一社会信用代码应为18位（数字和大写字母，不含 I、O、Z、S、V）"
        if uscc_check_character(text[:17]) != text[17]:
            return text, "统一社会信用代码校验位错误"
        return text, ""
    if kind == "division":
        text = str(value).strip()
        if text.isdigit() and len(text) in (6, 9) and text.startswith(CITY):
            text = text.ljust(12, "0")  # a county or township as offices write it in 12 digits
        return text, "" if _DIVISION.fullmatch(text) else "应为本市12位行政区划代码"
    if kind == "date":
        if isinstance(value, dt.datetime):
            value = value.date()
        if not isinstance(value, dt.date):
            return str(value), "不是日期"
        if value > today:
            return value.isoformat(), "日期晚于今天"
        return value.isoformat(), ""
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return str(value), "应为非负整数"
        return value, ""
    if kind == "money":
        try:
            amount = Decimal(str(value)).quantize(Decimal("0.01"))
        except InvalidOperation:
            return str(value), "不是金额"
        return (float(amount), "应为非负金额") if amount < 0 else (float(amount), "")
    if kind == "code":
        text = str(value).strip()
        if text not in column.codes:
            return text, f"代码“{text}”不在代码表中（{'、'.join(f'{k} {v}' for k, v in column.codes.items())}）"
        return text, ""
    raise ValueError(kind)


@dataclass
class Checked:
    layout: Layout
    rows: list[list[Any]]  # rows that pass, in column order
    errors: list[dict[str, Any]]  # {"row": the record's place in the query, "record", "column", "reason"}
    failed: int


def check_rows(layout: Layout, rows: Iterable[dict[str, Any]], *, today: dt.date) -> Checked:
    """Every row against the layout's own checks: a row with any failing column stays out of the file,
    and each failing column is reported (row number in the source order, the record, column, reason)."""
    good: list[list[Any]] = []
    errors: list[dict[str, Any]] = []
    failed = 0
    for n, row in enumerate(rows, start=1):
        values: list[Any] = []
        row_errors = []
        for column in layout.columns:
            value, reason = check_value(column, row.get(column.key), today=today)
            values.append(value)
            if reason:
                row_errors.append({"row": n, "record": row.get("_record", ""), "column": column.header,
                                   "reason": reason})
        if row_errors:
            failed += 1
            errors.extend(row_errors)
        else:
            good.append(values)
    return Checked(layout, good, errors, failed)


def workbook_bytes(layout: Layout, rows: list[list[Any]], *, period: str) -> bytes:
    """The file: a header row of the layout's Chinese column names, then the rows (text never a formula)."""
    import io

    from openpyxl import Workbook

    from yanglao.core.cells import sheet_row

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(layout.title)
    sheet_row(ws, [c.header for c in layout.columns])
    for values in rows:
        sheet_row(ws, values)
    meta = wb.create_sheet("说明")
    sheet_row(meta, ["文件", layout.title])
    sheet_row(meta, ["格式代码", layout.code])
    sheet_row(meta, ["格式版本", layout.version])
    sheet_row(meta, ["报送期", period])
    sheet_row(meta, ["行数", len(rows)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def layout_markdown() -> str:
    """The layouts as the Markdown of docs/exchanges.md (so the doc and the code say the same)."""
    out = [f"Layout set version **{LAYOUT_SET_VERSION}**.", ""]
    for layout in LAYOUTS:
        out += [f"#### {layout.title} (`{layout.code}`, version {layout.version})", "", layout.description, "",
                "| # | column | type | required | length / codes |", "|---|---|---|---|---|"]
        for i, c in enumerate(layout.columns, start=1):
            extra = "; ".join(f"{k} {v}" for k, v in c.codes.items()) if c.codes else (str(c.max_len) if c.max_len else "")
            if c.note:
                extra = (extra + "; " if extra else "") + c.note
            out.append(f"| {i} | {c.header} | {c.type_label} | {'yes' if c.required else 'no'} | {extra} |")
        out.append("")
    return "\n".join(out)
