"""Checking one person's data, the same way for the API, the pages and every row of an import.

Errors are keyed by field name; the import maps them to its Chinese column headers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from yanglao.core.dictionaries import dictionary_codes, dictionary_labels_offered, dictionary_lookup
from yanglao.core.idnumber import IdNumber, IdNumberError, PhoneError, normalise_phone, parse_id_number
from yanglao.core.tabular import CellError, cell_to_date, cell_to_id_text, clean_name, clean_text

from .choices import Category, Sex

MIN_AGE = 60
NAME_RE = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff·•A-Za-z]{2,30}$")

# Living situations and categories are dictionaries (字典管理, core/dictionaries.py; the aliases offices
# write, such as 独居老人 or 五保, are in people/dictionaries.py).
GRADE_BY_LABEL = {"1": 1, "2": 2, "一级": 1, "二级": 2, "一": 1, "二": 2, "1级": 1, "2级": 2}
SPLIT_RE = re.compile(r"[、,，;；/\s]+")
SEX_BY_TEXT = {"男": Sex.MALE, "女": Sex.FEMALE, "M": Sex.MALE, "F": Sex.FEMALE}


@dataclass
class CategoryInput:
    category: str
    valid_from: dt.date
    document_no: str = ""
    issuing_unit: str = ""
    disability_grade: int | None = None


@dataclass
class ContactInput:
    kind: str
    name: str
    relation: str = ""
    phone: str = ""


@dataclass
class PersonInput:
    name: str
    id: IdNumber
    division_code: str
    living_situation: str
    phone: str = ""
    hukou_division_code: str = ""
    address: str = ""
    categories: list[CategoryInput] = field(default_factory=list)
    contacts: list[ContactInput] = field(default_factory=list)


def check_id_number(raw: Any, *, today: dt.date, checked: bool = False) -> tuple[IdNumber | None, str | None]:
    """`checked`: the cell is known to be a valid 18-digit number in its canonical form (core.columns
    checked the whole column at once), so it is read without being parsed again."""
    if checked:
        parsed = IdNumber(value=raw, birth_date=dt.date(int(raw[6:10]), int(raw[10:12]), int(raw[12:14])),
                          sex="M" if int(raw[16]) % 2 else "F", region_code=raw[:6])
    else:
        text, problem = cell_to_id_text(raw)
        if problem:
            return None, problem
        if not text:
            return None, "必填"
        try:
            parsed = parse_id_number(text, today=today)
        except IdNumberError as exc:
            return None, exc.message
    age = parsed.age_on(today)
    if age < MIN_AGE:
        return None, f"年龄 {age} 岁，未满 {MIN_AGE} 周岁，不属于老年人登记范围"
    return parsed, None


def check_division(raw: Any, *, communities: Collection[str], scope_prefix: str | None, required: bool) -> tuple[str, str | None]:
    code = clean_text(raw).replace(" ", "")
    if code.endswith(".0"):
        code = code[:-2]
    if not code:
        return "", "必填" if required else None
    if not code.isdigit() or len(code) != 12:
        return code, "应为12位村（社区）区划代码"
    if code not in communities:
        return code, f"区划代码 {code} 不存在（国家统计局2023年区划代码）"
    if scope_prefix is not None and not code.startswith(scope_prefix):
        return code, f"区划代码 {code} 不在您的管辖范围内"
    return code, None


def check_name(raw: Any) -> tuple[str, str | None]:
    name = clean_name(raw or "")
    if not name:
        return name, "必填"
    if not NAME_RE.match(name):
        return name, "姓名应为2–30个汉字（少数民族姓名可含“·”）"
    return name, None


def check_hukou(raw: Any) -> tuple[str, str | None]:
    """The household-registration division: empty, or a 6, 9 or 12-digit code."""
    hukou = clean_text(raw or "").replace(" ", "")
    if hukou.endswith(".0"):
        hukou = hukou[:-2]
    if hukou and (not hukou.isascii() or not hukou.isdigit() or len(hukou) not in (6, 9, 12)):
        return hukou, "户籍地区划代码应为6、9或12位数字"
    return hukou, None


def check_living(raw: Any, *, division_code: str | None = None, prefix: str | None = None) -> tuple[str | None, str | None]:
    """A value of the 居住状况 dictionary that applies to the person's division (a county's own values
    only there), written as its label, code or a known alias."""
    living_raw = clean_text(raw or "")
    if not living_raw:
        return None, "必填"
    living = dictionary_lookup("living_situation", living_raw, division_code=division_code, prefix=prefix)
    if living is None:
        offered = "、".join(dictionary_labels_offered("living_situation", division_code=division_code, prefix=prefix))
        return None, f"“{living_raw}”不是有效的居住状况（可选：{offered}）"
    return living, None


def check_phone(raw: Any) -> tuple[str, str | None]:
    if raw in (None, ""):
        return "", None
    try:
        return normalise_phone(raw, default_area_code="0662"), None
    except PhoneError as exc:
        return "", str(exc)


def check_text(raw: Any, *, max_length: int, label: str) -> tuple[str, str | None]:
    text = clean_text(raw or "")
    if len(text) > max_length:
        return text, f"{label}不能超过 {max_length} 个字符"
    return text, None


def check_past_date(raw: Any, *, today: dt.date, label: str) -> tuple[dt.date | None, str | None]:
    """A date that has happened (consent given, moved away, died): not in the future, not before 1900."""
    if raw in (None, ""):
        return None, None
    try:
        value = cell_to_date(raw)
    except CellError as exc:
        return None, str(exc)
    if value > today:
        return value, f"{label}不能晚于今天"
    if value.year < 1900:
        return value, f"{label}不能早于1900年"
    return value, None


def check_category_input(item: CategoryInput, *, today: dt.date) -> dict[str, str]:
    """One category record, however it arrives (registration, import, the record page, the API)."""
    errors: dict[str, str] = {}
    if item.category not in dictionary_codes("person_category"):
        errors["category"] = "不是有效的人员类别"
    _, problem = check_past_date(item.valid_from, today=today, label="类别起始日期")
    if problem:
        errors["valid_from"] = problem
    for key, label in (("document_no", "证明文件编号"), ("issuing_unit", "认定单位")):
        _, problem = check_text(getattr(item, key), max_length=64, label=label)
        if problem:
            errors[key] = problem
    if item.category == Category.SEVERE_DISABILITY and item.disability_grade not in (1, 2):
        errors["disability_grade"] = "重度残疾须填写残疾等级（一级或二级）"
    return errors


# The editable fields of a record and the one check each takes, on create and on update alike.
TEXT_LIMITS = {"address": (200, "居住地址"), "consent_by": (32, "同意人"), "consent_document": (64, "同意书编号")}


def clean_person_changes(
    data: Mapping[str, Any], *, communities: Collection[str], scope_prefix: str | None, today: dt.date,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate the fields present in `data` for an update, with the same checks as `clean_person`
    uses on create. Returns ({field: clean value}, {field: reason})."""
    changes: dict[str, Any] = {}
    errors: dict[str, str] = {}
    checks: dict[str, Any] = {
        "name": check_name,
        "phone": check_phone,
        "hukou_division_code": check_hukou,
        "living_situation": lambda raw: check_living(raw, division_code=clean_text(data.get("division_code") or "")
                                                     or None, prefix=scope_prefix),
        "division_code": lambda raw: check_division(raw, communities=communities, scope_prefix=scope_prefix,
                                                    required=True),
        "consent_at": lambda raw: check_past_date(raw, today=today, label="同意日期"),
        "status_date": lambda raw: check_past_date(raw, today=today, label="状态日期"),
    }
    for key, (limit, label) in TEXT_LIMITS.items():
        checks[key] = lambda raw, limit=limit, label=label: check_text(raw, max_length=limit, label=label)
    for key, check in checks.items():
        if key in data:
            value, problem = check(data[key])
            if problem:
                errors[key] = problem
            changes[key] = value
    return changes, errors


def clean_person(
    data: Mapping[str, Any],
    *,
    communities: Collection[str],
    scope_prefix: str | None,
    today: dt.date,
    partial: bool = False,
    checked_id: bool = False,
) -> tuple[PersonInput | None, dict[str, str]]:
    """Validate one person's fields. Returns (clean input, {}) or (None, {field: reason}). `checked_id`:
    the ID number cell is already known valid and canonical (the import checks it column-wise)."""
    errors: dict[str, str] = {}

    name, problem = check_name(data.get("name", ""))
    if problem:
        errors["name"] = problem

    parsed, problem = check_id_number(data.get("id_number", ""), today=today, checked=checked_id)
    if problem:
        errors["id_number"] = problem

    division_code, problem = check_division(
        data.get("division_code", ""), communities=communities, scope_prefix=scope_prefix, required=True
    )
    if problem:
        errors["division_code"] = problem

    hukou, problem = check_hukou(data.get("hukou_division_code", ""))
    if problem:
        errors["hukou_division_code"] = problem

    living, problem = check_living(data.get("living_situation", ""),
                                   division_code=None if "division_code" in errors else division_code)
    if problem:
        errors["living_situation"] = problem

    phone, problem = check_phone(data.get("phone", ""))
    if problem:
        errors["phone"] = problem

    address, problem = check_text(data.get("address", ""), max_length=TEXT_LIMITS["address"][0], label="居住地址")
    if problem:
        errors["address"] = problem

    if parsed is not None:
        birth_raw = data.get("birth_date")
        if type(birth_raw) is str and birth_raw == parsed.birth_date.isoformat():
            pass  # the usual 1958-01-01 of the number's own birth date: what cell_to_date would agree with
        elif birth_raw not in (None, ""):
            try:
                if cell_to_date(birth_raw) != parsed.birth_date:
                    errors["birth_date"] = "出生日期与身份证号码不一致"
            except CellError as exc:
                errors["birth_date"] = str(exc)
        sex_raw = clean_text(data.get("sex", ""))
        if sex_raw:
            sex = SEX_BY_TEXT.get(sex_raw.upper())
            if sex is None:
                errors["sex"] = "性别应为“男”或“女”"
            elif sex != parsed.sex:
                errors["sex"] = "性别与身份证号码不一致"

    categories = _clean_categories(data, errors, today=today)
    contacts = _clean_contacts(data, errors)

    if errors or parsed is None or living is None:
        return None, errors
    return (
        PersonInput(
            name=name,
            id=parsed,
            division_code=division_code,
            living_situation=living,
            phone=phone,
            hukou_division_code=hukou or parsed.region_code,
            address=address,
            categories=categories,
            contacts=contacts,
        ),
        {},
    )


def _clean_categories(data: Mapping[str, Any], errors: dict[str, str], *, today: dt.date) -> list[CategoryInput]:
    raw = data.get("categories", "")
    if isinstance(raw, list):
        items = raw
    else:
        text = clean_text(raw)
        items = [{"category": part} for part in SPLIT_RE.split(text) if part] if text else []
    if not items:
        return []
    shared_from = data.get("category_valid_from")
    shared_doc = clean_text(data.get("document_no", ""))
    shared_unit = clean_text(data.get("issuing_unit", ""))
    shared_grade = clean_text(data.get("disability_grade", ""))
    out: list[CategoryInput] = []
    for item in items:
        label = clean_text(item.get("category", ""))
        code = dictionary_lookup("person_category", label)
        if code is None:
            errors["categories"] = f"“{label}”不是有效的人员类别（可选：{'、'.join(dictionary_labels_offered('person_category'))}）"
            continue
        valid_from_raw = item.get("valid_from", shared_from)
        try:
            valid_from = cell_to_date(valid_from_raw) if valid_from_raw not in (None, "") else today.replace(day=1)
        except CellError as exc:
            errors["category_valid_from"] = str(exc)
            continue
        if valid_from > today:
            errors["category_valid_from"] = "类别起始日期不能晚于今天"
            continue
        # the shared cells are cleaned once above (clean_text of clean text is the same text)
        grade_raw = clean_text(item["disability_grade"]) if "disability_grade" in item else shared_grade
        grade = GRADE_BY_LABEL.get(grade_raw) if grade_raw else None
        if code == Category.SEVERE_DISABILITY and grade is None:
            errors["disability_grade"] = "重度残疾须填写残疾等级（一级或二级）"
            continue
        out.append(
            CategoryInput(
                category=code,
                valid_from=valid_from,
                document_no=(clean_text(item["document_no"]) if "document_no" in item else shared_doc)[:64],
                issuing_unit=(clean_text(item["issuing_unit"]) if "issuing_unit" in item else shared_unit)[:64],
                disability_grade=grade if code == Category.SEVERE_DISABILITY else None,
            )
        )
    return out


def _clean_contacts(data: Mapping[str, Any], errors: dict[str, str]) -> list[ContactInput]:
    contacts: list[ContactInput] = []
    raw = data.get("contacts")
    items = raw if isinstance(raw, list) else []
    if not items and clean_text(data.get("contact_name", "")):
        items = [{"kind": "emergency", "name": data.get("contact_name"), "phone": data.get("contact_phone", ""),
                  "relation": data.get("contact_relation", "")}]
    for item in items:
        name = clean_name(item.get("name", ""))
        if not name:
            errors["contact_name"] = "联系人姓名必填"
            continue
        if len(name) > 32:
            errors["contact_name"] = "联系人姓名不能超过 32 个字符"
            continue
        phone = ""
        if item.get("phone") not in (None, ""):
            try:
                phone = normalise_phone(item["phone"], default_area_code="0662")
            except PhoneError as exc:
                errors["contact_phone"] = str(exc)
                continue
        kind = item.get("kind", "emergency")
        if kind not in ("guardian", "emergency"):
            errors["contacts"] = "联系人类型应为 guardian（监护人）或 emergency（紧急联系人）"
            continue
        contacts.append(ContactInput(kind=kind, name=name, relation=clean_text(item.get("relation", ""))[:16], phone=phone))
    return contacts
