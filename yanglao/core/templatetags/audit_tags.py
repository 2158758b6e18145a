"""Showing an audit line's changes as people read them: field label, before → after, choices by label."""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from yanglao.core.audit import SENSITIVE_MARK
from yanglao.core.dictionaries import dictionary_label, field_dictionary

register = template.Library()
HIDDEN = {"id", "id_last4", "source"}
LABELS = {"merged_into": "合并到档案", "merged_from": "合并自档案"}

# What the technical keys of audit lines (field names, parameters, filters, operations) are called in
# the offices. A key not listed is shown as a code (monospace), never as English prose.
KEY_LABELS = {
    # people and registry
    "person": "老年人", "id_number": "身份证号码", "id_number(masked)": "身份证号码（脱敏）", "phone": "联系电话",
    "phone(masked)": "联系电话（脱敏）", "birth_date": "出生日期", "categories": "人员类别", "category": "人员类别",
    "contacts": "联系人", "contacts.phone": "联系人电话", "name": "姓名", "division": "区划", "division_code": "区划代码",
    "age_band": "年龄段", "age_min": "最小年龄", "age_max": "最大年龄", "status": "状态", "living_situation": "居住状况",
    "q": "查询词", "prefix": "区划前缀", "source": "来源", "seed": "随机种子", "people": "人数", "holder_name": "户名",
    "account_no": "银行账号", "account_no(masked)": "银行账号（脱敏）", "account_numbers": "银行账号",
    "id_numbers": "身份证号码",
    # assessments
    "care_level": "能力等级", "care_level__gte": "能力等级不低于", "items": "各项评分", "coma": "昏迷",
    "diagnoses": "疾病诊断", "risk_events": "风险事件", "level": "等级", "report_pdf": "评估报告",
    "results": "评估结果", "pending": "待处理", "mzt039": "MZ/T 039 历史结果", "on": "日期", "by": "操作人",
    # benefits
    "run": "发放批次", "programme": "项目", "month": "月份", "regular": "正常发放", "back_pay": "补发",
    "carried": "结转", "carried_failed": "结转失败", "adjustment": "调整", "total": "合计", "amount": "金额",
    "file": "文件", "paid": "已发放", "failed": "失败", "lines": "笔数",
    # institutions and admissions
    "institution": "机构", "homes": "机构数", "residents": "在院人数", "beds": "床位",
    "applications.care_level": "申请人能力等级", "residents.care_level": "在院老年人能力等级",
    "care_level_at_application": "申请时能力等级", "must_admit": "应收尽收", "priority_rank": "轮候类别序号",
    # the audit line itself
    "count": "数量", "params": "参数", "operation": "操作", "fields": "字段", "reason": "事由", "format": "格式",
    "filters": "筛选条件", "masked": "脱敏", "kind": "类别", "term_digest": "查询词摘要", "event": "事件",
    "ids": "记录编号", "approved_by": "审批人", "scope": "范围", "limit_per_hour": "每小时上限", "comment": "意见",
    "tokens_revoked": "已吊销的令牌", "minutes": "分钟",
}
VALUE_LABELS = {
    "run_preview": "计算发放批次", "reconcile": "导入银行结果对账", "load_divisions": "载入行政区划",
    "seed_demo": "生成演示数据", "full": "完整", "masked": "脱敏", "xlsx": "Excel", "csv": "CSV",
    "payment-xlsx": "代发明细 Excel", "bank-csv": "银行代发 CSV", "people": "老年人档案",
    "account_locked": "账户锁定", "account_unlocked": "账户解锁", "identifier_search_many": "大量按证件号码或电话查询",
    "identifier_search_limited": "按证件号码或电话查询超过上限",
}
_CJK = re.compile(r"[\u3400-\u9fff]")


def _key(name: str) -> SafeString:
    label = KEY_LABELS.get(name)
    return format_html("{}", label) if label else format_html('<span class="mono">{}</span>', name)


def _text(value: str) -> SafeString:
    """Plain Chinese text as it is; a technical value (code, username, file name) as a code."""
    if value in VALUE_LABELS:
        return format_html("{}", VALUE_LABELS[value])
    if re.search(r"[A-Za-z]{3,}", value) and not _CJK.search(value):
        return format_html('<span class="mono">{}</span>', value)
    return format_html("{}", value)


def _html(value: Any) -> SafeString:
    if value is None or value == "":
        return mark_safe("—")
    if value is True:
        return mark_safe("是")
    if value is False:
        return mark_safe("否")
    if isinstance(value, dict):
        parts = [format_html("{}: {}", _key(str(k)), _html(v)) for k, v in value.items()]
        return mark_safe("；".join(parts)) if parts else mark_safe("—")
    if isinstance(value, list | tuple):
        return mark_safe("、".join(_html(v) for v in value)) if value else mark_safe("—")
    return _text(str(value))


def _display(field: Any, value: Any) -> str:
    """A changed value as people read it: choices and dictionary codes by their labels, lists and
    dicts written out (never a Python repr), technical values marked as codes. Safe HTML."""
    if value is None or value == "" or isinstance(value, dict | list | bool):
        return _html(value)
    choices = dict(getattr(field, "flatchoices", None) or []) if field is not None else {}
    if value in choices:
        return format_html("{}", choices[value])
    key = field_dictionary(field.model._meta.label, field.name) if getattr(field, "model", None) else None
    if key is not None and isinstance(value, str):  # a code list offices extend (字典管理)
        return format_html("{}", dictionary_label(key, value))
    return _text(str(value))


def _label(name: str, field: Any) -> SafeString:
    if name in LABELS:
        return format_html("{}", LABELS[name])
    verbose = str(getattr(field, "verbose_name", "") or "") if field is not None else ""
    if verbose and _CJK.search(verbose):
        return format_html("{}", verbose)
    return _key(name)  # no Chinese verbose name: the office's word for the key, or the key as a code


@register.filter
def change_rows(entry: Any) -> list[dict[str, str]]:
    model = None
    if entry.object_type and "." in entry.object_type:
        try:
            model = apps.get_model(entry.object_type)
        except LookupError:
            model = None
    rows = []
    for name, change in (entry.changes or {}).items():
        if name in HIDDEN or (name.endswith("_enc") and entry.action == "create"):
            continue  # on creation the masked column already shows the value
        field = None
        if model is not None:
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                field = None
        if name.endswith("_enc"):
            base = name[: -len("_enc")] + "_masked"
            try:
                label = f"{model._meta.get_field(base).verbose_name}（完整值）" if model is not None else _key(name)
            except FieldDoesNotExist:
                label = name
            rows.append({"label": str(label), "before": "", "after": "", "sensitive": "1"})
            continue
        label = _label(name, field)
        if change == SENSITIVE_MARK or name in getattr(model, "audit_sensitive_fields", ()):
            # lines written before a field became sensitive are shown masked too
            rows.append({"label": label, "before": "", "after": "", "sensitive": "1"})
            continue
        before, after = (change + [None, None])[:2] if isinstance(change, list) else (None, change)
        rows.append({"label": label, "before": _display(field, before), "after": _display(field, after), "sensitive": ""})
    return rows


@register.filter
def extra_rows(entry: Any) -> list[dict[str, str]]:
    """The line's other details with Chinese labels and plain values (no Python reprs)."""
    return [{"label": _key(k), "value": _html(v)} for k, v in (entry.extra or {}).items()]


OBJECT_LABELS = {"core.identifier_search": "按证件号码或电话查询", "benefits.runsummary": "发放批次汇总",
                 "benefits.runchange": "发放批次变动", "benefits.paymentresult": "银行发放结果",
                 "benefits.entitlement": "发放明细"}


@register.filter
def object_label(object_type: str) -> str:
    """``people.person`` → ``老年人``: the record type as staff name it."""
    if not object_type:
        return ""
    if object_type in OBJECT_LABELS:
        return OBJECT_LABELS[object_type]
    try:
        verbose = str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return format_html('<span class="mono">{}</span>', object_type)
    return verbose if _CJK.search(verbose) else format_html('<span class="mono">{}</span>', object_type)


LOGIN_CHANNELS = {"web": "网页", "api": "接口"}
LOGIN_REASONS = {
    "ok": "成功", "unknown_user": "用户名不存在", "bad_password": "密码错误", "bad_otp": "动态验证码错误",
    "throttled": "尝试过于频繁", "throttled_address": "来源地址尝试过于频繁", "locked": "账户已锁定",
    "inactive": "账户已停用", "password_change_required": "须先修改密码",
}


@register.filter
def login_channel(value: str) -> SafeString:
    return format_html("{}", LOGIN_CHANNELS[value]) if value in LOGIN_CHANNELS else _text(value or "—")


@register.filter
def login_reason(value: str) -> SafeString:
    """The login log's reason code as the auditor reads it (the code stays on hover)."""
    if value in LOGIN_REASONS:
        return format_html('<span title="{}">{}</span>', value, LOGIN_REASONS[value])
    return _text(value or "—")
