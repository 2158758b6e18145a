"""Banks' payment-file layouts as configuration the city edits in the console (代发文件格式).

A layout is a column order, an encoding, a separator, optional header and trailer lines and a file-name
pattern. The templates take only the named values below ({count}, {total}, …): no attribute or index access,
no conversions, so a layout can neither fail at download time nor reach into the program. Every change is
audited (AuditedModel); exactly one layout is the default (a partial unique index)."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from yanglao.core.errors import Forbidden, ValidationFailed
from yanglao.core.models import User

from .models import BankFileFormat
from .payfiles import BANK_COLUMNS

PLACEHOLDERS = {"count": "笔数", "total": "总金额", "run": "批次号", "month": "所属月份（YYYYMM）",
                "date": "生成日期（YYYYMMDD）", "programme": "项目代码", "bank": "格式代码"}
SAMPLE = {"count": 2, "total": "2250.00", "run": 128, "month": "202611", "date": "20261130", "programme": "gaoling",
          "bank": "sample"}
ENCODINGS = {"gbk": "GBK", "gb18030": "GB18030", "utf-8": "UTF-8"}
SEPARATORS = {",": "逗号 ,", "|": "竖线 |", "\\t": "制表符", ";": "分号 ;"}
REQUIRED_COLUMNS = ("account_no", "amount")
_FILENAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$")
_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def template_error(text: str) -> str | None:
    """Why a header/trailer/file-name template cannot be used, or None."""
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError:
        return "花括号不成对：占位符写作 {count} 这样的形式，文字中的花括号写作 {{ 或 }}"
    for _literal, field, spec, conversion in parts:
        if field is None:
            continue
        if field not in PLACEHOLDERS:
            allowed = "、".join(f"{{{k}}}" for k in PLACEHOLDERS)
            return f"不认识的占位符 {{{field}}}；可用：{allowed}"
        if spec or conversion:
            return f"占位符 {{{field}}} 不能带格式或转换说明"
    return None


def render(text: str, values: dict[str, Any]) -> str:
    """A checked template filled in (only the named values; nothing else is reachable)."""
    return text.format(**{k: values[k] for k in PLACEHOLDERS})


@dataclass(frozen=True)
class FormatInput:
    code: str
    bank_name: str
    columns: list[str]
    encoding: str
    separator: str
    header: str
    trailer: str
    column_titles: bool
    filename_pattern: str
    is_default: bool


def clean_format(data: FormatInput, *, instance: BankFileFormat | None = None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not _CODE.match(data.code):
        errors["code"] = "格式代码只能用小写字母、数字、- 和 _，以字母或数字开头"
    elif BankFileFormat.objects.filter(code=data.code).exclude(pk=getattr(instance, "pk", None)).exists():
        errors["code"] = "该格式代码已存在"
    if not data.bank_name.strip():
        errors["bank_name"] = "请填写银行名称"
    unknown = [c for c in data.columns if c not in BANK_COLUMNS]
    if unknown:
        errors["columns"] = "不认识的列：" + "、".join(unknown)
    elif len(set(data.columns)) != len(data.columns):
        errors["columns"] = "同一列不能出现两次"
    elif missing := [BANK_COLUMNS[c] for c in REQUIRED_COLUMNS if c not in data.columns]:
        errors["columns"] = "银行代发文件必须包含：" + "、".join(missing)
    if data.encoding not in ENCODINGS:
        errors["encoding"] = "编码只能是 " + "、".join(ENCODINGS.values())
    if data.separator not in SEPARATORS:
        errors["separator"] = "分隔符只能是逗号、竖线、制表符或分号"
    for field in ("header", "trailer", "filename_pattern"):
        problem = template_error(getattr(data, field))
        if problem:
            errors[field] = problem
    if "filename_pattern" not in errors:
        name = render(data.filename_pattern, SAMPLE)
        if not data.filename_pattern.strip():
            errors["filename_pattern"] = "请填写文件名模板"
        elif not _FILENAME.match(name):
            errors["filename_pattern"] = "文件名只能由字母、数字、点、- 和 _ 组成（银行系统不收中文或空格文件名）"
    if "encoding" not in errors and not errors.keys() & {"header", "trailer"}:
        for field in ("header", "trailer"):
            try:
                render(getattr(data, field), SAMPLE).encode(data.encoding)
            except UnicodeEncodeError:
                errors[field] = f"含有 {ENCODINGS[data.encoding]} 编码写不出的字符"
    return errors


def bank_format_save(*, by: User, data: FormatInput, instance: BankFileFormat | None = None) -> BankFileFormat:
    """Create or change a layout; the default moves to this one when it is marked default."""
    if not by.can("benefits.configure"):
        raise Forbidden()
    errors = clean_format(data, instance=instance)
    if errors:
        raise ValidationFailed("银行代发文件格式有误", details=errors)
    fmt = instance or BankFileFormat()
    with transaction.atomic():
        if data.is_default:
            BankFileFormat.objects.select_for_update().filter(is_default=True).exclude(pk=fmt.pk).update(is_default=False)
        for field, value in data.__dict__.items():
            setattr(fmt, field, value)
        fmt.save()
    return fmt


def preview(fmt: BankFileFormat | FormatInput) -> list[str]:
    """The first lines of a file in this layout, with made-up values (no real person's data)."""
    sep = fmt.separator.replace("\\t", "\t")
    sample_rows = [
        {"seq": "1", "line_id": "90001", "name": "林亚妹", "id_number": "441702194802290124",
         "account_no": "6217003130000000001", "holder": "林亚妹", "amount": "750.00", "summary": "高龄津贴202611",
         "month": "2026-11", "bank_name": "中国邮政储蓄银行"},
        {"seq": "2", "line_id": "90002", "name": "陈伯", "id_number": "441702193905120017",
         "account_no": "6228480000000000002", "holder": "陈伯", "amount": "1500.00", "summary": "高龄津贴202611",
         "month": "2026-11", "bank_name": "中国农业银行"},
    ]
    lines: list[str] = []
    if fmt.header:
        lines.append(render(fmt.header, SAMPLE))
    if fmt.column_titles:
        lines.append(sep.join(BANK_COLUMNS[c] for c in fmt.columns if c in BANK_COLUMNS))
    for row in sample_rows:
        lines.append(sep.join(row.get(c, "") for c in fmt.columns))
    if fmt.trailer:
        lines.append(render(fmt.trailer, SAMPLE))
    return [line.replace("\t", "⇥") for line in lines]  # a tab shown as ⇥ (invisible on a page)
