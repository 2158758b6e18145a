"""What modules register with the message centre and the SMS service, from their AppConfig.ready().

A *notice kind* is one kind of message to staff (an assessment assigned, a run to approve …): its label
in the message centre and the preferences page, an optional short header label ("待审核") shown beside
the unread count, and whether users receive it until they say otherwise. An *SMS template* is one kind
of text message to older people and families: its built-in wording with ``{placeholders}``, which the
city administrator may replace (``SmsTemplate`` rows) without code."""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class NoticeKind:
    key: str
    label: Any
    header_label: Any = None  # shown in the header with its unread count ("待审核 1"); None = only in the total
    description: Any = ""
    default_on: bool = True
    mandatory: bool = False  # cannot be switched off (e.g. a security notice)


@dataclass(frozen=True)
class SmsTemplateSpec:
    key: str
    label: Any
    default_body: str
    placeholders: dict[str, Any] = field(default_factory=dict)  # name → what it holds (shown to the editor)
    sample: dict[str, str] = field(default_factory=dict)  # values for the preview on the template page


NOTICE_KINDS: dict[str, NoticeKind] = {}
SMS_TEMPLATES: dict[str, SmsTemplateSpec] = {}


def register_notice_kind(key: str, label: Any, *, header_label: Any = None, description: Any = "",
                         default_on: bool = True, mandatory: bool = False) -> None:
    NOTICE_KINDS[key] = NoticeKind(key, label, header_label, description, default_on, mandatory)


def register_sms_template(key: str, label: Any, default_body: str, *, placeholders: dict[str, Any],
                          sample: dict[str, str] | None = None) -> None:
    unknown = placeholders_in(default_body) - set(placeholders)
    if unknown:
        raise ValueError(f"短信模板 {key} 使用了未声明的占位符：{sorted(unknown)}")
    SMS_TEMPLATES[key] = SmsTemplateSpec(key, label, default_body, dict(placeholders), dict(sample or {}))


def notice_kind(key: str) -> NoticeKind:
    try:
        return NOTICE_KINDS[key]
    except KeyError:
        raise LookupError(f"未登记的消息类型：{key}（请在模块的 AppConfig.ready() 中 register_notice_kind）") from None


def placeholders_in(body: str) -> set[str]:
    """The ``{names}`` a template uses; raises ValueError on a malformed one (an unclosed brace)."""
    names = set()
    for _text, name, spec, conv in string.Formatter().parse(body):
        if name is None:
            continue
        if name == "" or not name.isidentifier() or spec or conv:
            raise ValueError(f"占位符“{{{name}}}”格式不正确，只能写成 {{名称}}")
        names.add(name)
    return names


# Daily reminders (deadlines close): a function of the day returning a line for the command's output.
# It calls ``notices.services.deliver``/``notify`` with a ``dedupe_key`` so that a second run the same
# day tells nobody twice. Run by ``yanglao notices_daily`` (cron, once a day).
DAILY_REMINDERS: dict[str, Any] = {}


def register_daily_reminder(key: str, fn: Any) -> None:
    DAILY_REMINDERS[key] = fn
