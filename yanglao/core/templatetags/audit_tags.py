"""Showing an audit line's changes as people read them: field label, before → after, choices by label."""

from __future__ import annotations

from typing import Any

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

from yanglao.core.audit import SENSITIVE_MARK
from yanglao.core.dictionaries import dictionary_label, field_dictionary

register = template.Library()
HIDDEN = {"id", "id_last4", "source"}
LABELS = {"merged_into": "合并到档案", "merged_from": "合并自档案"}


def _display(field: Any, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):  # e.g. an assessment's item scores: "项目: 值；…", never a Python repr
        return "；".join(f"{k}: {_display(None, v)}" for k, v in value.items()) or "—"
    if isinstance(value, list):
        return "、".join(_display(None, v) for v in value) or "—"
    choices = dict(getattr(field, "flatchoices", None) or []) if field is not None else {}
    if value in choices:
        return str(choices[value])
    key = field_dictionary(field.model._meta.label, field.name) if getattr(field, "model", None) else None
    if key is not None and isinstance(value, str):  # a code list offices extend (字典管理)
        return dictionary_label(key, value)
    if value is True:
        return "是"
    if value is False:
        return "否"
    return str(value)


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
                label = f"{model._meta.get_field(base).verbose_name}（完整值）" if model is not None else name
            except FieldDoesNotExist:
                label = name
            rows.append({"label": str(label), "before": "", "after": "", "sensitive": "1"})
            continue
        label = LABELS.get(name) or (str(getattr(field, "verbose_name", name)) if field is not None else name)
        if change == SENSITIVE_MARK or name in getattr(model, "audit_sensitive_fields", ()):
            # lines written before a field became sensitive are shown masked too
            rows.append({"label": label, "before": "", "after": "", "sensitive": "1"})
            continue
        before, after = (change + [None, None])[:2] if isinstance(change, list) else (None, change)
        rows.append({"label": label, "before": _display(field, before), "after": _display(field, after), "sensitive": ""})
    return rows


EXTRA_LABELS = {
    "count": "数量", "params": "参数", "operation": "操作", "fields": "字段", "reason": "事由", "format": "格式",
    "filters": "筛选条件", "masked": "脱敏", "kind": "类别", "term_digest": "查询词摘要", "event": "事件",
    "ids": "记录编号", "approved_by": "审批人", "scope": "范围", "limit_per_hour": "每小时上限",
}


@register.filter
def extra_rows(entry: Any) -> list[dict[str, str]]:
    """The line's other details with Chinese labels and plain values (no Python reprs)."""
    return [{"label": EXTRA_LABELS.get(k, k), "value": _display(None, v)} for k, v in (entry.extra or {}).items()]


OBJECT_LABELS = {"core.identifier_search": "按证件号码或电话查询"}


@register.filter
def object_label(object_type: str) -> str:
    """``people.person`` → ``老年人``: the record type as staff name it."""
    if not object_type:
        return ""
    if object_type in OBJECT_LABELS:
        return OBJECT_LABELS[object_type]
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type
