"""Spending from the spreadsheet a finance office sends (.xlsx/.xls/.csv): one row per payment. Every row is
checked first; a file with any bad row saves nothing (errors as "第 12 行 · 金额（元）: 应大于零"), so a
corrected file can simply be uploaded again; a good file is saved in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction

from yanglao.core.dictionaries import dictionary_lookup
from yanglao.core.divisions import resolve_division
from yanglao.core.errors import DomainError
from yanglao.core.tabular import CellError, cell_to_date, cell_to_decimal, clean_text
from yanglao.core.uploads import read_upload

from . import services

HEADERS = ["支出日期", "凭证号", "资金来源", "支出用途", "金额（元）", "收款单位", "摘要", "拨付文号", "级次"]
WAN = "金额（万元）"  # a header "金额（万元）" (or "支出金额(万元)") means the column is in 万元
ALIASES = {"日期": "支出日期", "拨付日期": "支出日期", "付款日期": "支出日期", "记账日期": "支出日期",
           "凭证编号": "凭证号", "记账凭证号": "凭证号", "凭证字号": "凭证号", "来源": "资金来源", "资金性质": "资金来源",
           "用途": "支出用途", "支出类别": "支出用途", "支出项目": "支出用途", "金额": "金额（元）", "金额(元)": "金额（元）",
           "支出金额": "金额（元）",
           "收款人": "收款单位", "收款方": "收款单位", "用途摘要": "摘要", "备注": "摘要", "文号": "拨付文号",
           "所属区划": "级次", "区划": "级次", "单位": "级次", "县（市、区）": "级次"}
CITY_WORDS = {"市本级", "市级", "阳江市", "阳江市本级", "4417", "441700", "441700000000"}


@dataclass
class ImportResult:
    total: int = 0
    saved: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (row, column, reason)

    @property
    def ok(self) -> int:
        return self.saved


def default_level(by: Any) -> str:
    prefix = getattr(by, "scope_prefix", None) or ""
    return services.CITY if services.CITY.startswith(prefix) else prefix[:6]


def _level(by: Any, text: str) -> str:
    if not text:
        return default_level(by)
    if text in CITY_WORDS:
        return services.CITY
    return resolve_division(text, within=by.scope_prefix, level=3).code


def _dictionary(key: str, text: str, code: str, what: str) -> str:
    if not text:
        raise CellError("不能为空")
    found = dictionary_lookup(key, text, division_code=code)
    if not found:
        raise CellError(f"“{text}”不是字典中的{what}")
    return found


def _row(by: Any, raw: dict[str, Any], seen: dict[tuple[str, str], int], number: int,
         wan: bool = False) -> tuple[dict[str, Any], str]:
    column = "级次"
    try:
        code = _level(by, clean_text(raw.get("级次")))
        services.check_level(by, code)
        column = "支出日期"
        if not clean_text(raw.get("支出日期")):
            raise CellError("不能为空")
        paid_on = cell_to_date(raw.get("支出日期"))
        column = "凭证号"
        voucher = clean_text(raw.get("凭证号"))
        if not voucher:
            raise CellError("不能为空")
        if (code, voucher) in seen:
            raise CellError(f"与第 {seen[(code, voucher)]} 行重复")
        seen[(code, voucher)] = number
        column = "资金来源"
        source = _dictionary("funding_source", clean_text(raw.get("资金来源")), code, "资金来源")
        column = "支出用途"
        purpose = _dictionary("funding_purpose", clean_text(raw.get("支出用途")), code, "支出用途")
        column = WAN if wan else "金额（元）"
        if not clean_text(raw.get("金额（元）")):
            raise CellError("不能为空")
        amount = cell_to_decimal(raw.get("金额（元）")) * (Decimal(10000) if wan else 1)
        services.check_amount(amount)
        column = "收款单位"
        data = {"paid_on": paid_on, "voucher_no": voucher, "division_code": code, "source": source,
                "purpose": purpose, "amount": amount, "payee": clean_text(raw.get("收款单位")),
                "summary": clean_text(raw.get("摘要")), "document_no": clean_text(raw.get("拨付文号"))}
        services._spending_clean(by, data)  # every rule of the service, before anything is saved
        if services.Spending.objects.filter(division_code=code, voucher_no=voucher).exists():
            column = "凭证号"
            raise CellError(f"凭证号已在{services.level_label(code)}登记过")
        from .selectors import year_status

        if year_status(paid_on.year, code) in ("submitted", "approved"):
            column = "支出日期"
            raise CellError(f"{paid_on.year}年度{services.level_label(code)}资金数据已报送或已审定，不能再导入")
        return data, ""
    except CellError as exc:
        return {}, f"{column}\x00{exc.message}"
    except DomainError as exc:
        details = exc.details if isinstance(exc.details, dict) else {}
        names = {"paid_on": "支出日期", "voucher_no": "凭证号", "payee": "收款单位", "amount": "金额（元）",
                 "division_code": "级次", "source": "资金来源", "purpose": "支出用途"}
        where = next((names[k] for k in details if k in names), column)
        return {}, f"{where}\x00{exc.message}"


def import_spending(*, by: Any, content: bytes, filename: str) -> ImportResult:
    services._need(by, "funding.manage")
    table = read_upload(content, kind="funding_spending", filename=filename, expected_headers=HEADERS,
                        aliases=ALIASES, min_matches=4)
    wan = any("万" in (raw or "") for raw, canon in zip(table.raw_headers, table.headers, strict=True)
              if canon == "金额（元）")
    result = ImportResult()
    good: list[dict[str, Any]] = []
    seen: dict[tuple[str, str], int] = {}
    for number, raw in table:
        result.total += 1
        data, error = _row(by, raw, seen, number, wan)
        if error:
            column, reason = error.split("\x00", 1)
            result.errors.append((number, column, reason))
        else:
            good.append(data)
    if result.errors or not good:
        return result
    try:
        with transaction.atomic():
            for data in good:
                services.spending_save(by=by, data=data, imported=True)
    except DomainError as exc:  # a concurrent import took a voucher, or a year was reported meanwhile
        result.errors.append((0, "", f"未保存任何记录：{exc.message}"))
        return result
    result.saved = len(good)
    return result
