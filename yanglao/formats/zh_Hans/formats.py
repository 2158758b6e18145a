"""Chinese (simplified) formats as Django ships them, with ISO dates first among the input formats.

A form renders a date field's value in the first input format. Django's zh-Hans puts `%Y/%m/%d` first, which a
browser's `<input type="date">` cannot show (it needs `2026-11-30`), so every date field started empty; and
offices write dates as `2026-11-30` anyway. Parsing still accepts `2026/11/30` and `2026年11月30日`.
"""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403
from django.conf.locale.zh_Hans.formats import DATE_INPUT_FORMATS as _DATE
from django.conf.locale.zh_Hans.formats import DATETIME_INPUT_FORMATS as _DATETIME

# Django's own `%Y年%n月%j日` never parses (`%j` is the day of the year in strptime): `%Y年%m月%d日` does.
DATE_INPUT_FORMATS = ["%Y-%m-%d", *[f for f in _DATE if f != "%Y-%m-%d"], "%Y年%m月%d日"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M", *[f for f in _DATETIME if f != "%Y-%m-%d %H:%M"]]
